export const ANALYZER_CONFIG = Symbol('ANALYZER_CONFIG');
