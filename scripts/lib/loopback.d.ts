/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number>;
/** Whether something accepts connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean>;
