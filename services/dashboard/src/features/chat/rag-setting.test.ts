import { ragChoiceOf, ragRequestOf } from './rag-setting';

const SPACE = '7a1e0000-0000-4000-8000-000000000001';
const OTHER = '7a1e0000-0000-4000-8000-000000000002';

describe('the chat-level RAG setting on screen', () => {
  it('a conversation that remembers documents opens with the switch on and its space picked', () => {
    expect(ragChoiceOf({ rag: { spaceIds: [SPACE] } })).toEqual({ enabled: true, space: SPACE });
    expect(ragChoiceOf({ rag: { spaceIds: [SPACE, OTHER] } })).toEqual({ enabled: true, space: SPACE });
  });

  it('"every space" shows as the switch on with "Alle Bereiche"', () => {
    expect(ragChoiceOf({ rag: {} })).toEqual({ enabled: true, space: '' });
    expect(ragChoiceOf({ rag: { spaceIds: [] } })).toEqual({ enabled: true, space: '' });
  });

  it('a plain conversation opens with the switch off', () => {
    expect(ragChoiceOf({ rag: null })).toEqual({ enabled: false, space: '' });
  });
});

describe('the rag field a chat request sends', () => {
  it('sends the setting while the switch is on', () => {
    expect(ragRequestOf({ enabled: true, space: SPACE }, false)).toEqual({ spaceIds: [SPACE] });
    expect(ragRequestOf({ enabled: true, space: '' }, true)).toEqual({});
  });

  it('ends a remembered setting with null when the switch was turned off, and sends nothing for a plain chat', () => {
    expect(ragRequestOf({ enabled: false, space: SPACE }, true)).toBeNull();
    expect(ragRequestOf({ enabled: false, space: '' }, false)).toBeUndefined();
  });
});
