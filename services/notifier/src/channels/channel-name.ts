export const ChannelNames = ['webhook', 'slack', 'grafana', 'alertmanager'] as const;
export type ChannelName = (typeof ChannelNames)[number];
