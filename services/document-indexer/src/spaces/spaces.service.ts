import type { Kysely } from 'kysely';
import type { SpaceDto, SpaceInput, SpacePatch } from '@arasul/contracts';
import type { Database, DocumentSpace } from '@arasul/db';
import type { Logger } from '@arasul/service-kit';
import type { Actor, Auditor } from '../audit/auditor';
import {
  DefaultSpaceError,
  InvalidSlugError,
  SpaceNotEmptyError,
  SpaceNotFoundError,
  SpaceSlugTakenError,
} from './spaces.errors';
import { spacesRepository } from './spaces.repository';

/** `ä → ae`, lower case, runs of anything else → one dash. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/g, '');
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

function toDto(row: DocumentSpace, documentCount: number): SpaceDto {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    color: row.color,
    isDefault: row.is_default,
    documentCount,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Spaces: named collections of documents; one default ("Allgemein") that cannot be deleted. */
export class SpacesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly audit: Auditor,
  ) {}

  async list(): Promise<SpaceDto[]> {
    const rows = await spacesRepository.list(this.db);
    return rows.map((row) => toDto(row, row.document_count));
  }

  async get(id: string): Promise<SpaceDto> {
    const row = await spacesRepository.findById(this.db, id);
    if (!row) throw new SpaceNotFoundError();
    return toDto(row, await spacesRepository.countDocuments(this.db, id));
  }

  /** The space an upload goes to: the given one (must exist) or the default. */
  async resolve(id: string | undefined): Promise<DocumentSpace> {
    const row =
      id === undefined
        ? await spacesRepository.findDefault(this.db)
        : await spacesRepository.findById(this.db, id);
    if (!row) throw new SpaceNotFoundError();
    return row;
  }

  create(input: SpaceInput, actor: Actor): Promise<SpaceDto> {
    return this.audit.around(
      actor,
      'space.created',
      { type: 'space' },
      () => this.insert(input, actor.userId),
      (space) => ({ spaceId: space.id, name: space.name, slug: space.slug }),
    );
  }

  update(id: string, patch: SpacePatch, actor: Actor): Promise<SpaceDto> {
    return this.audit.around(
      actor,
      'space.updated',
      { type: 'space', id },
      () => this.change(id, patch, actor.userId),
      () => ({ changed: Object.keys(patch) }),
    );
  }

  delete(id: string, actor: Actor): Promise<void> {
    return this.audit.around(actor, 'space.deleted', { type: 'space', id }, () =>
      this.remove(id, actor.userId),
    );
  }

  private async insert(input: SpaceInput, userId: number): Promise<SpaceDto> {
    const slug = input.slug ?? slugify(input.name);
    if (slug === '') throw new InvalidSlugError();
    try {
      const row = await spacesRepository.insert(this.db, {
        name: input.name,
        slug,
        description: input.description ?? null,
        color: input.color ?? null,
      });
      this.logger.info('space created', { spaceId: row.id, slug, userId });
      return toDto(row, 0);
    } catch (error) {
      if (isUniqueViolation(error)) throw new SpaceSlugTakenError(slug);
      throw error;
    }
  }

  private async change(id: string, patch: SpacePatch, userId: number): Promise<SpaceDto> {
    try {
      const row = await spacesRepository.update(this.db, id, {
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.slug === undefined ? {} : { slug: patch.slug }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(patch.color === undefined ? {} : { color: patch.color }),
      });
      if (!row) throw new SpaceNotFoundError();
      this.logger.info('space updated', { spaceId: id, userId });
      return toDto(row, await spacesRepository.countDocuments(this.db, id));
    } catch (error) {
      if (isUniqueViolation(error)) throw new SpaceSlugTakenError(patch.slug ?? '');
      throw error;
    }
  }

  private async remove(id: string, userId: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await spacesRepository.findById(trx, id);
      if (!row) throw new SpaceNotFoundError();
      if (row.is_default) throw new DefaultSpaceError();
      const count = await spacesRepository.countDocuments(trx, id);
      if (count > 0) throw new SpaceNotEmptyError(count);
      await spacesRepository.delete(trx, id);
    });
    this.logger.info('space deleted', { spaceId: id, userId });
  }
}
