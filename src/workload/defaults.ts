/**
 * The API servers' load when nothing says otherwise, for scenario files, `watch`, the trainer and
 * the library alike. Fifty operations a second is a small control plane's (twenty writes a second
 * in the mix), enough that every check's floors fill within seconds of a scenario's last step.
 */
export const DEFAULT_RATE_PER_SECOND = 50;
/** Objects the load writes and reads: few enough that reads meet earlier writes of the same key. */
export const DEFAULT_KEYS = 32;
