// The drivers' parameters and their defaults (AnsiTerm passes its own parameters through).
export const DRIVER_DEFAULTS = {
  nLines: 25,
  nColumns: 80,
  channelType: 'rest',
  driver: null,
  httpSessionHintParam: 'session',
  httpSessionHint: '',
  httpSource: '/?console',
  httpSize: '/?size=?lines?x?columns?',
  httpDest: '/',
  httpWait: 0,
  httpResizeByPost: true,
  // A client id (client=; xwterm's page: one per page load): xwterm's server then gives
  // this page a resumable session.
  httpClientId: '',
  // {session, token}: the session to attach to instead of starting one.
  attach: null,
  timeout: 0,
  immediateRefresh: 70,
  fastRefresh: 500,
  slowRefresh: 2000,
  wsEndpoint: '127.0.0.1:8001',
  wsDataTag: 'text',
  wsSizeTag: 'size',
  wsSizeData: '?lines?x?columns?',
  wsReconnect: true,
  // ms: the longest wait between two attempts to reach the server (both channels), so that
  // a restarted server is found again within about that.
  reconnectMaxDelay: 2000,
  wsBinary: true,
  wsConnectTimeout: 10000,
  wsFlowControl: true,
  // A URL (xwterm's page: './?config') asked when a WebSocket handshake fails, to tell a
  // server that wants a login (401) or refuses a link (403) from one that is down.
  loginCheckUrl: '',
};
