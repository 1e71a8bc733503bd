/** The kinds of registry entry the reference lists; light to import, for the CLI's command list. */
export const REFERENCE_KINDS = ['faults', 'runbooks', 'conditions', 'checks'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];
