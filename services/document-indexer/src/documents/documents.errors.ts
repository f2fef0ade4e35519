import { AppError, ConflictError, NotFoundError, ValidationError } from '@arasul/service-kit';

export class DocumentNotFoundError extends NotFoundError {
  constructor() {
    super('This document does not exist.', 'document_not_found');
  }
}

export class DuplicateDocumentError extends ConflictError {
  constructor(
    filename: string,
    readonly existingId: string,
  ) {
    super(`"${filename}" is already in this space.`, 'duplicate_document', { existingId });
  }
}

export class UnsupportedTypeError extends AppError {
  constructor(filename: string, detected: string, reason: 'unsupported' | 'mismatch') {
    super(
      'unsupported_media_type',
      reason === 'mismatch'
        ? `"${filename}" does not contain what its name says: its content is ${detected}.`
        : `"${filename}" has a type that cannot be indexed (detected: ${detected}).`,
      415,
      { details: { filename, detected } },
    );
  }
}

export class EmptyFileError extends ValidationError {
  constructor(filename: string) {
    super(`"${filename}" is empty.`, { filename }, 'empty_file');
  }
}

export class NoFilesError extends ValidationError {
  constructor() {
    super('The upload contains no file.', undefined, 'no_files');
  }
}

export class DocumentBusyError extends ConflictError {
  constructor() {
    super('The document is being indexed right now; try again when it is done.', 'document_busy');
  }
}
