import { randomUUID } from 'node:crypto';
import {
  type VectorPoint,
  type VectorStore,
  VectorDimensionMismatchError,
} from '../src/vectors/vector-store';

/**
 * The behaviour every `VectorStore` must have, run against each implementation (embedded and Qdrant).
 * `open()` returns a fresh, empty store; `reopen()` a second handle on the same data (a restart).
 */
export function vectorStoreContract(
  name: string,
  factory: { open(): Promise<VectorStore>; reopen(): Promise<VectorStore>; close(): Promise<void> },
): void {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore;
    const spaceA = randomUUID();
    const spaceB = randomUUID();
    const docOne = randomUUID();
    const docTwo = randomUUID();

    function point(documentId: string, spaceId: string, chunkIndex: number, vector: number[]): VectorPoint {
      return { id: randomUUID(), documentId, spaceId, chunkIndex, vector };
    }

    beforeAll(async () => {
      store = await factory.open();
    });
    afterAll(async () => {
      await store.close();
      await factory.close();
    });

    it('starts without an index and creates one for a dimension', async () => {
      expect(await store.info()).toEqual({ dimension: null, points: 0 });
      await store.ensureIndex(4);
      await store.ensureIndex(4); // idempotent
      expect((await store.info()).dimension).toBe(4);
      await expect(store.ensureIndex(8)).rejects.toBeInstanceOf(VectorDimensionMismatchError);
    });

    it('finds the nearest points by cosine similarity, best first, with filters', async () => {
      await store.replaceDocument(docOne, [
        point(docOne, spaceA, 0, [1, 0, 0, 0]),
        point(docOne, spaceA, 1, [0, 1, 0, 0]),
      ]);
      await store.replaceDocument(docTwo, [point(docTwo, spaceB, 0, [10, 1, 0, 0])]);
      const hits = await store.search([1, 0, 0, 0], { limit: 10 });
      expect(hits.map((h) => [h.documentId, h.chunkIndex])).toEqual([
        [docOne, 0],
        [docTwo, 0],
        [docOne, 1],
      ]);
      expect(hits[0]?.score).toBeCloseTo(1, 5);
      expect(hits[2]?.score).toBeCloseTo(0, 5);
      const inB = await store.search([1, 0, 0, 0], { limit: 10, filter: { spaceIds: [spaceB] } });
      expect(inB.map((h) => h.documentId)).toEqual([docTwo]);
      const ofOne = await store.search([0, 1, 0, 0], { limit: 1, filter: { documentIds: [docOne] } });
      expect(ofOne.map((h) => h.chunkIndex)).toEqual([1]);
      expect(await store.search([1, 0, 0, 0], { limit: 10, filter: { spaceIds: [] } })).toEqual([]);
      expect(
        await store.search([1, 0, 0, 0], {
          limit: 10,
          filter: { spaceIds: [spaceA], documentIds: [docTwo] },
        }),
      ).toEqual([]);
    });

    it('hands back the stored unit vectors of given points (for MMR), leaving out unknown ids', async () => {
      const a = point(docOne, spaceA, 0, [3, 4, 0, 0]);
      const b = point(docOne, spaceA, 1, [0, 0, 0, 2]);
      await store.replaceDocument(docOne, [a, b]);
      const missing = randomUUID();
      const vectors = await store.vectorsOf([a.id, missing, b.id]);
      expect([...vectors.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(Array.from(vectors.get(a.id) ?? []).map((x) => Math.round(x * 1000) / 1000)).toEqual([
        0.6, 0.8, 0, 0,
      ]);
      expect(Array.from(vectors.get(b.id) ?? [])).toEqual([0, 0, 0, 1]);
      expect((await store.vectorsOf([])).size).toBe(0);
    });

    it('refuses vectors and queries of the wrong dimension and changes nothing', async () => {
      await expect(
        store.replaceDocument(docOne, [point(docOne, spaceA, 0, [1, 0, 0])]),
      ).rejects.toBeInstanceOf(VectorDimensionMismatchError);
      await expect(store.search([1, 0], { limit: 1 })).rejects.toBeInstanceOf(VectorDimensionMismatchError);
      expect((await store.info()).points).toBe(3);
    });

    it('a replace with fewer points leaves no zombie points', async () => {
      await store.replaceDocument(docOne, [point(docOne, spaceA, 0, [0, 0, 1, 0])]);
      const hits = await store.search([0, 1, 0, 0], { limit: 10, filter: { documentIds: [docOne] } });
      expect(hits).toHaveLength(1);
      expect(hits[0]?.chunkIndex).toBe(0);
      expect((await store.info()).points).toBe(2);
    });

    it('moves a document to another space', async () => {
      await store.setDocumentSpace(docOne, spaceB);
      const inB = await store.search([0, 0, 1, 0], { limit: 10, filter: { spaceIds: [spaceB] } });
      expect(inB.map((h) => h.documentId).sort()).toEqual([docOne, docTwo].sort());
      expect(await store.search([0, 0, 1, 0], { limit: 10, filter: { spaceIds: [spaceA] } })).toEqual([]);
      expect(inB.find((h) => h.documentId === docOne)?.spaceId).toBe(spaceB);
    });

    it('keeps its points across a restart and lists the documents that have points', async () => {
      const again = await factory.reopen();
      try {
        expect((await again.info()).points).toBe(2);
        expect((await again.documentIds()).sort()).toEqual([docOne, docTwo].sort());
        const hits = await again.search([0, 0, 1, 0], { limit: 1 });
        expect(hits[0]?.documentId).toBe(docOne);
      } finally {
        await again.close();
      }
    });

    it('deletes every point of a document, and deleting again is fine', async () => {
      await store.deleteDocument(docOne);
      await store.deleteDocument(docOne);
      expect(await store.documentIds()).toEqual([docTwo]);
      expect(await store.search([0, 0, 1, 0], { limit: 10, filter: { documentIds: [docOne] } })).toEqual([]);
    });

    it('re-creates the index for another dimension, dropping every point', async () => {
      await store.recreateIndex(3);
      expect(await store.info()).toEqual({ dimension: 3, points: 0 });
      await store.replaceDocument(docTwo, [point(docTwo, spaceA, 0, [0, 1, 0])]);
      expect((await store.search([0, 1, 0], { limit: 1 }))[0]?.documentId).toBe(docTwo);
    });
  });
}
