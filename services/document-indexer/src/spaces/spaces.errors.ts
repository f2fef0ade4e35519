import { ConflictError, NotFoundError, ValidationError } from '@arasul/service-kit';

export class SpaceNotFoundError extends NotFoundError {
  constructor() {
    super('This space does not exist.', 'space_not_found');
  }
}

export class SpaceSlugTakenError extends ConflictError {
  constructor(slug: string) {
    super(`A space with the slug "${slug}" exists already.`, 'space_slug_taken');
  }
}

export class SpaceNotEmptyError extends ConflictError {
  constructor(count: number) {
    super(`This space still holds ${count} document(s): move or delete them first.`, 'space_not_empty', {
      documentCount: count,
    });
  }
}

export class DefaultSpaceError extends ConflictError {
  constructor() {
    super('The default space cannot be deleted.', 'default_space');
  }
}

export class InvalidSlugError extends ValidationError {
  constructor() {
    super('No slug can be made from this name: give one (a-z, 0-9, dashes).', undefined, 'invalid_slug');
  }
}
