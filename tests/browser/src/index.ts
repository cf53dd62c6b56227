export {
  CHROMIUM,
  CHROMIUM_FLAGS,
  chromiumMissing,
  haveChromium,
  launchChromium,
} from './chromium.js';
export { ISOLATION_HEADERS, type StaticServer, serveStatic } from './staticServer.js';
