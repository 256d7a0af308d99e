import { describe, expect, it } from 'vitest';
import { receiverApiUrl } from './receiver-api-url';

describe('receiverApiUrl', () => {
  it("joins the API path onto the base's path, whatever trailing slashes it has", () => {
    for (const base of ['http://127.0.0.1:47812', 'http://127.0.0.1:47812/']) expect(receiverApiUrl(base, '/api/annotations').href).toBe('http://127.0.0.1:47812/api/annotations');
    for (const base of ['https://ops.example.org/grafana', 'https://ops.example.org/grafana/', 'https://ops.example.org/grafana//']) {
      expect(receiverApiUrl(base, '/api/annotations/17').href).toBe('https://ops.example.org/grafana/api/annotations/17');
    }
  });

  it("leaves out the base's query and fragment, which swallowed the API path when joined as text", () => {
    expect(receiverApiUrl('http://127.0.0.1:47812/gf#x', '/api/annotations').href).toBe('http://127.0.0.1:47812/gf/api/annotations');
    expect(receiverApiUrl('http://127.0.0.1:47812/am#x', '/api/v2/alerts').href).toBe('http://127.0.0.1:47812/am/api/v2/alerts');
    expect(receiverApiUrl('http://127.0.0.1:47812/amq?org=1', '/api/v2/alerts').href).toBe('http://127.0.0.1:47812/amq/api/v2/alerts');
    expect(receiverApiUrl('https://grafana.example.org/?orgId=1#panel', '/api/annotations').href).toBe('https://grafana.example.org/api/annotations');
  });
});
