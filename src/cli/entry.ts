import { runProgram } from './run.js';

// A script calls `etcd-drill member …` dozens of times: those load only the verbs.
const verbsOnly = ['member', 'apiservers'].includes(process.argv[2] ?? '');
const program = verbsOnly ? (await import('./member.js')).verbsProgram() : (await import('./main.js')).buildProgram();
await runProgram(program, process.argv);
