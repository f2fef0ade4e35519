import { NotFoundError, ValidationError } from '@arasul/service-kit/errors';

export class AlertNotFoundError extends NotFoundError {
  constructor(id: number) {
    super(`There is no alert ${id}.`, 'alert_not_found');
  }
}

export class ThresholdOrderError extends ValidationError {
  constructor(warning: number, critical: number) {
    super(
      `The warning threshold (${warning}) must be below the critical threshold (${critical}).`,
      { warningThreshold: warning, criticalThreshold: critical },
      'threshold_order_invalid',
    );
  }
}

export class ThresholdRangeError extends ValidationError {
  constructor(field: string, value: number, min: number, max: number, unit: string) {
    super(
      `${field} must be between ${min} and ${max} ${unit}, got ${value}.`,
      { field, value, min, max, unit },
      'threshold_out_of_range',
    );
  }
}

export class ClearDeltaError extends ValidationError {
  constructor(clearDelta: number, warning: number, lowest: number) {
    super(
      `clearDelta (${clearDelta}) is too large: an alert clears below warningThreshold - clearDelta, which must stay above ${lowest}.`,
      { clearDelta, warningThreshold: warning },
      'clear_delta_invalid',
    );
  }
}

/** Every metric has a row (migrations 010 and 031); this means the database was changed by hand. */
export class ThresholdNotFoundError extends NotFoundError {
  constructor(metric: string) {
    super(`There is no threshold row for ${metric}.`, 'threshold_not_found');
  }
}
