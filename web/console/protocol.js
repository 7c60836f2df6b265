// The control plane in the browser: the message types come from the very
// .proto files the server is built from (served by controlroomd under
// /console/proto/, parsed by protobufjs), so there is no second copy of the
// wire format to keep in step. See docs/protocol.md.

/* global protobuf */

const VERSION = '@CONSOLE_VERSION@';
const OBJ = { defaults: true, longs: Number, enums: Number, bytes: Uint8Array, oneofs: true };

export async function loadProtocol() {
  const root = new protobuf.Root();
  // state.proto first: control.proto imports it, and parsing both into one
  // root resolves the import without protobufjs fetching anything itself.
  for (const name of ['state.proto', 'control.proto']) {
    const res = await fetch(`proto/controlroom/v1/${name}?v=${VERSION}`);
    if (!res.ok) throw new Error(`cannot load ${name}: HTTP ${res.status}`);
    protobuf.parse(await res.text(), root, { keepCase: true });
  }
  root.resolveAll();
  const t = (n) => root.lookupType(`controlroom.v1.${n}`);
  const e = (n) => root.lookupEnum(`controlroom.v1.${n}`).values;
  return {
    ClientEnvelope: t('ClientEnvelope'),
    ServerEnvelope: t('ServerEnvelope'),
    SessionState: t('SessionState'),
    Role: e('Role'),
    ErrorCode: e('ErrorCode'),
    StreamKind: e('StreamKind'),
    MediaTransport: e('MediaTransport'),
    TransportMode: e('TransportMode'),
    TalkbackTarget: e('TalkbackTarget'),
    toObject: (type, msg) => type.toObject(msg, OBJ),
  };
}

export class ProtocolError extends Error {
  constructor(code, message, codeName, redirectUrl) {
    super(message || codeName);
    this.code = code;
    this.codeName = codeName;
    this.redirectUrl = redirectUrl || '';  // with ERROR_CODE_MOVED: the owning node
  }
}

// One WebSocket, requests matched to replies by request_id, unsolicited
// bodies (presence, session events, media) handed to `onMessage`.
export class Connection {
  constructor(proto, url) {
    this.proto = proto;
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.onMessage = () => {};
    this.onMedia = () => {};
    this.onClose = () => {};
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${this.url}`));
      ws.onclose = (ev) => {
        for (const p of this.pending.values()) p.reject(new Error('connection closed'));
        this.pending.clear();
        this.onClose(ev);
      };
      ws.onmessage = (ev) => this.receive(new Uint8Array(ev.data));
    });
  }

  close() {
    if (this.ws) this.ws.close();
  }

  receive(bytes) {
    const { ServerEnvelope } = this.proto;
    let env;
    try {
      env = ServerEnvelope.decode(bytes);
    } catch (err) {
      console.warn('undecodable server frame', err);
      return;
    }
    const body = env.body;
    // The media hot path: skip the object conversion.
    if (body === 'media_frame') {
      this.onMedia(env.media_frame.datagram);
      return;
    }
    const obj = this.proto.toObject(ServerEnvelope, env);
    const id = obj.request_id;
    if (id !== 0 && this.pending.has(id)) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (body === 'error') {
        const codeName = Object.keys(this.proto.ErrorCode).find(
          (k) => this.proto.ErrorCode[k] === obj.error.code);
        p.reject(new ProtocolError(obj.error.code, obj.error.message, codeName,
          obj.error.redirect_url));
      } else {
        p.resolve(obj[body]);
      }
      return;
    }
    this.onMessage(body, obj[body]);
  }

  // Sends a request and resolves with its reply body (rejects on Error).
  request(body, payload) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ request_id: id, [body]: payload });
    });
  }

  // Fire and forget (request_id 0): media frames.
  send(envelope) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const { ClientEnvelope } = this.proto;
    this.ws.send(ClientEnvelope.encode(ClientEnvelope.fromObject(envelope)).finish());
    return true;
  }

  get bufferedAmount() {
    return this.ws ? this.ws.bufferedAmount : 0;
  }
}
