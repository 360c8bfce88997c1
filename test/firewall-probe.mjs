// The network ends of test/firewall-netns.test.ts, run inside the test's namespaces with
// `ip netns exec NS node test/firewall-probe.mjs ...`:
//   serve '{"tcp":[...],"udp":[...]}'   listen on 0.0.0.0 on every port (TCP accepts and closes, UDP
//                                       echoes); prints "ready" once all listen, runs until killed
//   probe '[{"proto","source","target","port"},...]' TIMEOUT_MS
//                                       opens each TCP connection / sends each UDP datagram from its
//                                       source address, all at once; prints a JSON list of booleans
//                                       (connected / echoed before the timeout)
import { createServer, connect } from "node:net";
import { createSocket } from "node:dgram";

const [mode, arg, timeoutArg] = process.argv.slice(2);

if (mode === "serve") {
  const { tcp = [], udp = [] } = JSON.parse(arg);
  const listening = [];
  for (const port of tcp) {
    const server = createServer((socket) => socket.end());
    listening.push(new Promise((done, fail) => server.once("error", fail).listen({ port, host: "0.0.0.0", exclusive: true }, done)));
  }
  for (const port of udp) {
    const socket = createSocket("udp4");
    socket.on("message", (message, from) => socket.send(message, from.port, from.address));
    listening.push(new Promise((done, fail) => socket.once("error", fail).bind(port, "0.0.0.0", done)));
  }
  Promise.all(listening).then(
    () => process.stdout.write("ready\n"),
    (error) => {
      process.stderr.write(`serve: ${error.message}\n`);
      process.exit(1);
    },
  );
} else if (mode === "probe") {
  const probes = JSON.parse(arg);
  const timeout = Number(timeoutArg);
  const tcpProbe = ({ source, target, port }) =>
    new Promise((done) => {
      const socket = connect({ host: target, port, localAddress: source });
      const finish = (ok) => {
        clearTimeout(timer);
        socket.destroy();
        done(ok);
      };
      const timer = setTimeout(() => finish(false), timeout);
      socket.once("connect", () => finish(true));
      socket.once("error", () => finish(false));
    });
  const udpProbe = ({ source, target, port }) =>
    new Promise((done) => {
      const socket = createSocket("udp4");
      const finish = (ok) => {
        clearTimeout(timer);
        socket.close();
        done(ok);
      };
      const timer = setTimeout(() => finish(false), timeout);
      socket.once("message", () => finish(true));
      socket.once("error", () => finish(false));
      socket.bind(0, source, () => socket.send("probe", port, target));
    });
  Promise.all(probes.map((p) => (p.proto === "TCP" ? tcpProbe(p) : udpProbe(p)))).then((results) => {
    process.stdout.write(`${JSON.stringify(results)}\n`);
  });
} else {
  process.stderr.write("usage: firewall-probe.mjs serve PORTS | probe PROBES TIMEOUT_MS\n");
  process.exit(2);
}
