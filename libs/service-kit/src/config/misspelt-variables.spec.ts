import { describe, expect, it } from 'vitest';
import { meantVariable, misspeltVariableNotes, misspeltVariables } from './misspelt-variables';

const known = ['PORT', 'LOG_LEVEL', 'KAFKA_BROKERS', 'DATABASE_URL', 'NOTIFIER_DELIVERY_TIMEOUT_MS', 'HOLD_COOLDOWN_MINUTES'];

describe('a variable that reads as a slip of a setting', () => {
  it('names the setting meant for another case, a unit left out or swapped, or a letter or two', () => {
    expect(meantVariable('kafka_brokers', known)).toBe('KAFKA_BROKERS');
    expect(meantVariable('port', known)).toBe('PORT');
    expect(meantVariable('KAFKA_BROKER', known)).toBe('KAFKA_BROKERS');
    expect(meantVariable('DATABSE_URL', known)).toBe('DATABASE_URL');
    expect(meantVariable('NOTIFIER_DELIVERY_TIMEOUT', known)).toBe('NOTIFIER_DELIVERY_TIMEOUT_MS');
    expect(meantVariable('NOTIFIER_DELIVERY_TIMEOUT_SECONDS', known)).toBe('NOTIFIER_DELIVERY_TIMEOUT_MS');
    expect(meantVariable('HOLD_COOLDOWN_MINS', known)).toBe('HOLD_COOLDOWN_MINUTES');
    expect(meantVariable('LOGLEVEL', known)).toBe('LOG_LEVEL');
  });

  it("leaves alone the settings themselves and other programs' variables, short names above all (PATH is not PORT)", () => {
    for (const name of [...known, 'PATH', 'PWD', 'HOME', 'TERM', 'HOST', 'USER', 'SHELL', 'NODE_ENV', 'npm_config_cache', 'KAFKA_HOME', 'PGUSER', 'HOSTNAME']) {
      expect(meantVariable(name, known), name).toBeUndefined();
    }
  });

  it('lists each slip in an environment with the setting it meant, and nothing for a clean one', () => {
    expect(misspeltVariables({ PATH: '/bin', KAFKA_BROKERS: 'k:9092', DATABSE_URL: 'postgres://db/h', log_level: 'debug' }, known)).toEqual([
      { given: 'DATABSE_URL', meant: 'DATABASE_URL' },
      { given: 'log_level', meant: 'LOG_LEVEL' },
    ]);
    expect(misspeltVariables({ PATH: '/bin', PORT: '3001' }, known)).toEqual([]);
  });

  it('says each slip as a start says it, never quoting its value, which may be a secret meant for another name', () => {
    expect(misspeltVariableNotes('notifier', { PATH: '/bin', DATABSE_URL: 'postgres://u:hunter2@db/h' }, known)).toEqual([
      'DATABSE_URL is not a variable notifier reads, so it is ignored; did you mean DATABASE_URL?',
    ]);
  });
});
