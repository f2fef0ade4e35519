import { AppError, ConflictError, NotFoundError, ValidationError } from '@arasul/service-kit';

export { ModelNotInstalledError } from '../clients/ollama.client';

export class NoModelError extends ValidationError {
  constructor() {
    super(
      'No model was named and no default model is set. Install one (POST /api/models/pull) and set it as default.',
      undefined,
      'no_default_model',
    );
  }
}

export class ModelInUseError extends ConflictError {
  constructor(model: string) {
    super(`The model "${model}" is running a job right now; cancel it or wait.`, 'model_in_use');
  }
}

export class PullNotFoundError extends NotFoundError {
  constructor(model: string) {
    super(`No pull of "${model}" is running.`, 'pull_not_found');
  }
}

export class PullFailedError extends AppError {
  constructor(code: 'pull_stalled' | 'pull_failed' | 'pull_not_listed', message: string) {
    super(code, message, 502, { expose: true });
  }
}
