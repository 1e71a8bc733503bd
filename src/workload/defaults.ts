/**
 * The API servers' load when nothing says otherwise, for scenario files, `watch`, the trainer and
 * the library alike. A hundred operations a second is a modest control plane's (forty writes a
 * second in the mix): every check's floors fill within a second of a scenario's last step, and a
 * fault's window holds enough operations to judge.
 */
export const DEFAULT_RATE_PER_SECOND = 100;
/** Objects the load writes and reads: few enough that reads meet earlier writes of the same key. */
export const DEFAULT_KEYS = 32;
