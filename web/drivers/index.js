// Picks the driver a page's parameters ask for.
import { AnsiTermDriver } from './base.js';
import { AnsiTermHttpDriver } from './http.js';
import { AnsiTermWebSocketDriver } from './websocket.js';

export function createDriver(params) {
  if (params.driver) return params.driver;
  switch (String(params.channelType).toLowerCase()) {
    case 'websocket':
    case 'ws':
      return new AnsiTermWebSocketDriver(params);
    case 'dummy':
      return new AnsiTermDriver(params);
    case 'custom':
      throw new Error('channelType "custom" needs a `driver` object');
    default:
      return new AnsiTermHttpDriver(params);
  }
}
