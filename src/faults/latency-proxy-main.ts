import { runFromArgs } from './latency-proxy.js';

runFromArgs(process.argv.slice(2));
