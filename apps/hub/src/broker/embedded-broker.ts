import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { HUB_IDENTITY, mayPublish, maySubscribe } from '@watchpost/shared';

/**
 * The broker the hub embeds by default, so one command runs a whole system. Aedes speaks MQTT 3.1.1 only, on a
 * TLS listener that demands a client certificate signed by the hub CA (Node's TLS decides trust and expiry; an
 * unverified peer never reaches MQTT). The identity of a connection is its certificate's CN; the shared ACL
 * (`mayPublish`/`maySubscribe`) decides what that identity may do, and `isRevoked` refuses revoked certificates
 * at CONNECT. Sessions and retained messages are in memory: the broker dies with the hub, and the agents'
 * outboxes plus the app-level ack make that harmless.
 */
export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  /** Hub CA (PEM): the only issuer whose client certificates are accepted. */
  ca: string;
  /** Server certificate and key (PEM). */
  cert: string;
  key: string;
  /** Refuse a certificate at CONNECT (revoked agents). */
  isRevoked?: (peer: { identity: string; serial: string }) => boolean | Promise<boolean>;
  /** Diagnostic messages (refusals); never certificate or key material. */
  log?: (message: string) => void;
}

/** A running embedded broker. */
export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
  /** Drops every connection of an identity (after revocation), so it has to CONNECT again and is refused. */
  disconnect(identity: string): number;
}

// CONNACK return codes of MQTT 3.1.1.
const IDENTIFIER_REJECTED = 2;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: AuthenticateError['returnCode']): AuthenticateError {
  return Object.assign<Error, Pick<AuthenticateError, 'returnCode'>>(new Error(message), { returnCode });
}

/** Starts the broker; resolves once it listens. `port: 0` picks a free port. */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = opts.log ?? (() => undefined);
  const identities = new WeakMap<Client, string>();
  const broker = await Aedes.createBroker({
    // Agents send one report per scan; a long outage of the hub's session must not grow memory without bound.
    queueLimit: 10_000,
    authenticate: (client, _username, _password, done) => {
      const socket = client.conn as TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      const identity = peer?.subject?.CN;
      const cn = Array.isArray(identity) ? undefined : identity;
      if (!socket.authorized || !peer || !cn) {
        log(`refused client "${client.id}": no verified client certificate`);
        done(authError('client certificate required', NOT_AUTHORIZED), false);
        return;
      }
      // An agent's MQTT client id is its agent id: otherwise one agent could take over another's session.
      const idOk =
        cn === HUB_IDENTITY
          ? client.id === HUB_IDENTITY || client.id.startsWith(`${HUB_IDENTITY}-`)
          : client.id === cn;
      if (!idOk) {
        log(`refused client "${client.id}": client id must equal the certificate identity "${cn}"`);
        done(authError('client id must equal certificate CN', IDENTIFIER_REJECTED), false);
        return;
      }
      Promise.resolve(
        opts.isRevoked ? opts.isRevoked({ identity: cn, serial: peer.serialNumber.toUpperCase() }) : false,
      )
        .then((revoked) => {
          if (revoked) {
            log(`refused "${cn}": certificate ${peer.serialNumber} is revoked`);
            done(authError('certificate revoked', NOT_AUTHORIZED), false);
            return;
          }
          identities.set(client, cn);
          done(null, true);
        })
        .catch((err: unknown) => {
          log(
            `refused "${cn}": revocation check failed: ${err instanceof Error ? err.message : String(err)}`,
          );
          done(authError('revocation check failed', 3), false);
        });
    },
    authorizePublish: (client, packet, callback) => {
      // client is null for the broker's own publishes; Aedes also runs a client's last will through here.
      const identity = client ? identities.get(client) : undefined;
      if (client && (!identity || !mayPublish(identity, packet.topic))) {
        log(`refused publish by "${identity ?? client.id}" to "${packet.topic}"`);
        callback(new Error(`not authorised to publish to ${packet.topic}`));
        return;
      }
      callback(null);
    },
    authorizeSubscribe: (client, sub, callback) => {
      const identity = identities.get(client);
      if (!identity || !maySubscribe(identity, sub.topic)) {
        log(`refused subscription by "${identity ?? client.id}" to "${sub.topic}"`);
        // A null subscription answers SUBACK 0x80 (failure) and keeps the connection, so the client can tell.
        callback(null, null);
        return;
      }
      callback(null, sub);
    },
  });

  const server = createServer(
    {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      broker.handle(socket);
    },
  );
  server.on('tlsClientError', (err) => log(`TLS handshake refused: ${err.message}`));
  broker.on('clientError', (client, err) => log(`client "${client.id}": ${err.message}`));
  broker.on('connectionError', (client, err) => log(`connection "${client.id}": ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  return {
    port,
    disconnect(identity: string): number {
      let n = 0;
      for (const s of sockets) {
        const cn = s.getPeerCertificate()?.subject?.CN;
        if (cn === identity) {
          s.destroy();
          n++;
        }
      }
      return n;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => broker.close(() => resolve())),
      ]);
    },
  };
}
