import { parsePlan, runTracer } from './syscall-tracer.js';

await runTracer(parsePlan(process.argv.slice(2)));
