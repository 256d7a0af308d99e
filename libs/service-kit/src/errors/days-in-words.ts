/** A length of time as a problem detail states it: "36,525 days", "1.5 days". */
export const daysInWords = (ms: number): string => `${Number((ms / 86_400_000).toFixed(1)).toLocaleString('en-US')} days`;
