/**
 * The real terminal UI on a made-up drill: no Docker, no etcd. A backlog of a few minutes of a busy
 * cluster, then a tick every half second so the frame keeps moving. q quits. For the tmux tests
 * (test/unit/tui-tmux.test.ts), and for looking at the UI by hand:
 *
 *   npx tsx test/tui/demo-ui.tsx
 */
import { EventBus } from '../../src/events.js';
import { renderTui } from '../../src/tui/render.js';
import { drillEvents, emitAll, idleControl } from '../support/drill-session.js';

const events = new EventBus();
const ui = renderTui({ events, control: idleControl(), cluster: 'drill', onQuit: () => ui.unmount() });
emitAll(events, drillEvents(120));
let tick = 120;
const timer = setInterval(() => emitAll(events, drillEvents(1, tick++)), 500);
await ui.waitUntilExit();
clearInterval(timer);
