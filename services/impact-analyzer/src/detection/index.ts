export * from './detection-config';
export { HOURS_PER_WEEK, SeasonalBaseline, localHourOfWeek, regionZone } from './seasonal-baseline';
export type { BaselineBucket, BaselineExpectation, BaselineState, SeasonalBaselineJson } from './seasonal-baseline';
export * from './surge-decision';
export { EVIDENCE_SAMPLES, SERIES_STATE_VERSION, initialSeriesState, isWarm, learnedMsOf, parseSeriesState, stepSeries, stepSeriesRun, withoutTimesAfter } from './series-step';
export type { ActiveSurge, ExcursionMemory, PeakKind, SeriesState, RunResult, RunStep, StepContext, StepResult } from './series-step';
export * from './surge-detector';
