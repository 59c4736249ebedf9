/**
 * The node implementations of WASI 0.2 that the enforcing interfaces wrap
 * (RUNTIME.md, "jco as a runtime"), loaded once and only when a run starts.
 * Typed loosely on purpose: the bindings call them by WIT shape, and every
 * wrapper here passes values through unchanged.
 */
type Iface = Record<string, unknown>;

export interface Shim {
  cli: { stdin: Iface; stdout: Iface; stderr: Iface; terminalInput: Iface; terminalOutput: Iface; terminalStdin: Iface; terminalStdout: Iface; terminalStderr: Iface };
  clocks: { monotonicClock: Iface; wallClock: Iface };
  random: { random: Iface; insecure: Iface; insecureSeed: Iface };
  io: { error: Iface; poll: Iface; streams: Iface };
  filesystem: { types: Iface & { filesystemErrorCode: unknown }; _createPreopenDescriptor(host: string): object };
  sockets: {
    network: Iface;
    instanceNetwork: Iface;
    ipNameLookup: Iface & { ResolveAddressStream: unknown };
    tcp: { TcpSocket: unknown };
    tcpCreateSocket: Iface;
    udp: { UdpSocket: unknown; IncomingDatagramStream: unknown; OutgoingDatagramStream: unknown };
    udpCreateSocket: Iface;
  };
  http: { types: Iface; outgoingHandler: Iface; HTTPServer: new (handler: { handle(request: unknown, outparam: unknown): void }) => HttpServer };
}

/** The shim's HTTP server: it listens in the shim's I/O worker and calls the handler on this thread. */
export interface HttpServer {
  listen(port: number | string, host?: string): void;
  stop(): void;
}

let loaded: Promise<Shim> | undefined;

export function loadShim(): Promise<Shim> {
  loaded ??= import('@bytecodealliance/preview2-shim').then((m) => m as unknown as Shim);
  return loaded;
}
