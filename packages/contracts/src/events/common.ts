import { z } from 'zod';

/** Shared field shapes, bounded so one event can never carry an unbounded blob. */
export const isoTimestamp = z.iso.datetime({ offset: true });
export const name = z.string().min(1).max(255);
export const shortText = z.string().min(1).max(100);
export const message = z.string().max(4000);
export const nonNegativeInt = z.number().int().nonnegative();
/** IPv4 or IPv6 as Express reports it (may be IPv4-mapped, e.g. `::ffff:10.0.0.5`). */
export const ipAddress = z.string().min(2).max(45);
export const severity = z.enum(['info', 'warning', 'critical']);
