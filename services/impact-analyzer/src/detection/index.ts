export * from './detection-config';
export * from './seasonal-baseline';
export * from './surge-decision';
export * from './surge-detector';
