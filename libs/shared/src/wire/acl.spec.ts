import { describe, expect, it } from '@jest/globals';
import { HUB_IDENTITY, isHubIdentity, mayPublish, maySubscribe } from './acl.js';

const t = (id: string, kind: string) => `watchpost/v1/agents/${id}/${kind}`;

describe('mqtt acl', () => {
  it.each([
    ['agent-a', t('agent-a', 'report'), true],
    ['agent-a', t('agent-a', 'status'), true],
    ['agent-a', t('agent-a', 'ack'), false],
    ['agent-a', t('agent-b', 'report'), false],
    ['agent-a', t('agent-b', 'status'), false],
    ['agent-a', t('+', 'report'), false],
    ['agent-a', 'watchpost/v1/agents/agent-a/report/extra', false],
    ['agent-a', 'other/topic', false],
    ['Agent-A', t('Agent-A', 'report'), false],
    [HUB_IDENTITY, t('agent-a', 'ack'), true],
    [HUB_IDENTITY, t('agent-a', 'report'), false],
    [HUB_IDENTITY, t('agent-a', 'status'), false],
    [HUB_IDENTITY, t('+', 'ack'), false],
  ])('%s publish %s -> %s', (identity, topic, allowed) => {
    expect(mayPublish(identity, topic)).toBe(allowed);
  });

  it.each([
    ['agent-a', t('agent-a', 'ack'), true],
    ['agent-a', t('agent-b', 'ack'), false],
    ['agent-a', t('+', 'ack'), false],
    ['agent-a', 'watchpost/v1/agents/#', false],
    ['agent-a', t('agent-a', 'report'), false],
    ['agent-a', '$share/g/watchpost/v1/agents/+/report', false],
    [HUB_IDENTITY, t('+', 'report'), true],
    [HUB_IDENTITY, t('+', 'status'), true],
    [HUB_IDENTITY, '$share/watchpost-ingest/watchpost/v1/agents/+/report', true],
    [HUB_IDENTITY, '$share/watchpost-ingest/watchpost/v1/agents/+/status', true],
    [HUB_IDENTITY, '$share//watchpost/v1/agents/+/report', false],
    [HUB_IDENTITY, t('+', 'ack'), false],
    [HUB_IDENTITY, 'watchpost/v1/agents/#', false],
    [HUB_IDENTITY, '#', false],
    // a hub replica's own identity (watchpost-hub-<suffix>) has the hub's rights, nothing more
    ['watchpost-hub-0', '$share/watchpost-hub/watchpost/v1/agents/+/report', true],
    ['watchpost-hub-0', t('+', 'status'), true],
    ['watchpost-hub-0', t('watchpost-hub-0', 'ack'), false],
    ['watchpost-hub-0', '#', false],
    ['watchpost-hubble', t('+', 'report'), false],
    ['watchpost-hub-', t('+', 'report'), false],
  ])('%s subscribe %s -> %s', (identity, filter, allowed) => {
    expect(maySubscribe(identity, filter)).toBe(allowed);
  });
});

describe('hub identities', () => {
  it.each([
    ['watchpost-hub', true],
    ['watchpost-hub-0', true],
    ['watchpost-hub-7', true],
    ['watchpost-hub-eu.1', true],
    ['watchpost-hub-', false],
    ['watchpost-hub-0-', false],
    ['watchpost-hub-Zero', false],
    ['watchpost-hubble', false],
    ['watchpost-hub.node-1', false],
    ['hci-1', false],
  ])('%s -> %s', (identity, hub) => {
    expect(isHubIdentity(identity)).toBe(hub);
  });
});
