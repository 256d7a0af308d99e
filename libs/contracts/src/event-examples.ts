import type { EventPayloads } from './event-catalog';
import type { WindowScheduled } from './events/window-scheduled.v1';

// The 2009 case from DESIGN.md, replayed in 2026: a surge in Iran holds a window, which moves to
// 14:00 PDT, 00:30 in Tehran. Used as AsyncAPI examples and as known-good payloads in specs.
const surgeId = '0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b';
const holdId = '0190a7d2-7a00-7c3d-8e2f-2b3c4d5e6f70';
const windowId = '0190a7d1-0000-7abc-8def-0123456789ab';

const window: WindowScheduled = {
  windowId,
  version: 3,
  title: 'Core router firmware upgrade',
  ownerTeam: 'network-platform',
  footprint: { global: false, regions: ['IR', 'eu-west'] },
  startsAt: '2026-06-15T17:00:00Z',
  endsAt: '2026-06-15T19:00:00Z',
  plannedZone: 'America/Los_Angeles',
  priority: 'important',
  surgePolicy: 'hold',
  flexibility: {
    earliestStartAt: '2026-06-15T00:00:00Z',
    deadlineAt: '2026-06-20T00:00:00Z',
    allowedLocalHours: { ranges: [{ from: '00:00', to: '05:00' }], in: 'every-region' },
    autoMove: false,
  },
  status: 'scheduled',
  localTimes: [
    { region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2026-06-15T20:30', endsAtLocal: '2026-06-15T22:30', offset: '+03:30', endOffset: '+03:30' },
    { region: 'eu-west', zone: 'Europe/Dublin', startsAtLocal: '2026-06-15T18:00', endsAtLocal: '2026-06-15T20:00', offset: '+01:00', endOffset: '+01:00' },
  ],
};

const heldOccurrence = {
  number: 1,
  startsAt: window.startsAt,
  endsAt: window.endsAt,
  status: 'held' as const,
  inProgress: false,
  localTimes: window.localTimes ?? [],
};

const heldWindow = {
  windowId,
  title: window.title,
  ownerTeam: window.ownerTeam,
  priority: window.priority,
  surgePolicy: window.surgePolicy,
  notifyOnly: false,
  plannedZone: window.plannedZone,
  occurrences: [heldOccurrence],
};

const slot = {
  startsAt: '2026-06-15T21:00:00Z',
  endsAt: '2026-06-15T23:00:00Z',
  expectedImpact: 1250.5,
  localTimes: [
    { region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2026-06-16T00:30', endsAtLocal: '2026-06-16T02:30', offset: '+03:30', endOffset: '+03:30' },
    { region: 'eu-west', zone: 'Europe/Dublin', startsAtLocal: '2026-06-15T22:00', endsAtLocal: '2026-06-16T00:00', offset: '+01:00', endOffset: '+01:00' },
  ],
};

const evidence = {
  observed: 48_000,
  baseline: 12_000,
  score: 7.4,
  samples: [{ at: '2026-06-15T14:55:00Z', value: 48_000 }],
};

export const EventExamples: { readonly [K in keyof EventPayloads]: EventPayloads[K] } = {
  'traffic.sample': { region: 'IR', metric: 'http_requests_per_second', at: '2026-06-15T14:55:00Z', value: 48_000, source: 'edge-prometheus' },
  'region.baseline': {
    region: 'IR',
    metric: 'http_requests_per_second',
    zone: 'Asia/Tehran',
    values: Array.from({ length: 168 }, (_, hour) => (hour < 24 ? null : 8_000 + (hour % 24) * 250)),
    sampleCount: 120_960,
    updatedAt: '2026-06-15T14:00:00Z',
  },
  'surge.started': {
    surgeId,
    region: 'IR',
    metric: 'http_requests_per_second',
    source: 'detector',
    severity: 'critical',
    startedAt: '2026-06-15T14:50:00Z',
    detectedAt: '2026-06-15T14:55:00Z',
    evidence,
    reason: 'Traffic from IR is 4x its usual level for Monday 18:25 Tehran time',
  },
  'surge.updated': {
    surgeId,
    region: 'IR',
    metric: 'http_requests_per_second',
    source: 'detector',
    severity: 'critical',
    startedAt: '2026-06-15T14:50:00Z',
    detectedAt: '2026-06-15T15:25:00Z',
    expectedEndAt: '2026-06-20T00:00:00Z',
    evidence: { ...evidence, observed: 61_000, score: 9.1 },
    reason: 'Still rising: 5x the usual level',
  },
  'surge.cleared': {
    surgeId,
    region: 'IR',
    metric: 'http_requests_per_second',
    startedAt: '2026-06-15T14:50:00Z',
    clearedAt: '2026-06-19T08:00:00Z',
    reason: 'Traffic back within 20% of baseline for 2 hours',
  },
  'signal.lost': {
    region: 'IR',
    metric: 'http_requests_per_second',
    lastSampleAt: '2026-06-15T14:55:00Z',
    lostAt: '2026-06-15T15:06:00Z',
    silentSeconds: 660,
    onSignalLoss: 'notify',
    reason: 'No http_requests_per_second sample from IR for 11 minutes (allowed: 10)',
  },
  'signal.restored': {
    region: 'IR',
    metric: 'http_requests_per_second',
    lostAt: '2026-06-15T15:06:00Z',
    restoredAt: '2026-06-15T15:20:00Z',
    reason: 'Samples of http_requests_per_second from IR are arriving again',
  },
  'window.scheduled': window,
  'window.updated': { ...window, version: 4, title: 'Core router firmware upgrade (phase 1)', changes: ['title'] },
  'window.held': { ...window, status: 'held', holdId, holdRegions: ['IR'], holdReason: 'Critical surge in IR: traffic 4x its usual level', occurrences: [heldOccurrence] },
  'window.released': {
    ...window,
    status: 'needs-reschedule',
    holdId,
    holdReason: 'Surge cleared and the 2-hour cool-down passed',
    proposedSlots: [slot],
    occurrences: [{ ...heldOccurrence, status: 'needs-reschedule', proposedSlot: slot }],
  },
  'window.rescheduled': {
    ...window,
    startsAt: slot.startsAt,
    endsAt: slot.endsAt,
    previous: { startsAt: window.startsAt, endsAt: window.endsAt },
    chosenSlot: slot,
    automatic: false,
    reason: 'Moved to 00:30 in Tehran, the quietest slot while IR traffic is high',
  },
  'window.cancelled': { ...window, status: 'cancelled', reason: 'Superseded by the emergency patch', cancelledBy: 'alice@network-platform' },
  'window.started': {
    ...window,
    status: 'in-progress',
    startedAt: '2026-06-15T17:00:05Z',
    occurrence: { startsAt: window.startsAt, endsAt: window.endsAt },
  },
  'window.completed': {
    ...window,
    status: 'completed',
    completedAt: '2026-06-15T18:40:00Z',
    occurrence: { startsAt: window.startsAt, endsAt: window.endsAt },
  },
  'hold.placed': {
    holdId,
    regions: ['IR'],
    reason: 'Critical surge in IR: traffic 4x its usual level',
    source: 'detector',
    causeId: surgeId,
    placedAt: '2026-06-15T14:55:01Z',
    from: '2026-06-15T14:50:00Z',
    until: null,
    windowIds: [windowId],
    severity: 'critical',
    windows: [heldWindow],
    windowsTruncated: false,
    occurrenceCount: 1,
    notifyOnlyWindowIds: [],
    periodLocalTimes: [{ region: 'IR', zone: 'Asia/Tehran', fromLocal: '2026-06-15T18:20', offset: '+03:30' }],
  },
  'hold.released': {
    holdId,
    regions: ['IR'],
    releasedAt: '2026-06-19T10:00:00Z',
    reason: 'Surge cleared and the 2-hour cool-down passed',
    windowIds: [windowId],
    windows: [{ ...heldWindow, occurrences: [{ ...heldOccurrence, status: 'needs-reschedule', proposedSlot: slot }] }],
    occurrenceCount: 1,
    notifyOnlyWindowIds: [],
    // From the hold's start to its release.
    periodLocalTimes: [{ region: 'IR', zone: 'Asia/Tehran', fromLocal: '2026-06-15T18:20', untilLocal: '2026-06-19T13:30', offset: '+03:30', untilOffset: '+03:30' }],
    asOf: '2026-06-19T10:00:00Z',
  },
  'hold.overridden': {
    holdId,
    regions: ['IR'],
    windowId,
    overriddenBy: 'bob@network-platform',
    reason: 'Security fix that cannot wait',
    overriddenAt: '2026-06-15T16:00:00Z',
    window: heldWindow,
  },
  'api-key.state': {
    keyId: '3f9a1c0e5b7d2a48',
    prefix: 'hf_3f9a1c0e5b7d2a48',
    hash: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdefabcd',
    team: 'network-platform',
    scopes: ['read', 'windows:write'],
    createdAt: '2026-06-10T09:00:00Z',
    revokedAt: null,
  },
};
