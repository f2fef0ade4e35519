import { type QuietHours, WEEKDAYS, type WeekdayName } from '@arasul/contracts/http/notifications';

const WEEKDAY_OF_INTL: Record<string, WeekdayName> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The wall clock at `at` in `timeZone` (DST-correct: Intl knows the zone rules): local date (YYYY-MM-DD),
 * weekday and minute of the day. Quiet hours and the daily summary both read it.
 */
export function zonedClock(at: Date, timeZone: string): { date: string; day: WeekdayName; minute: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    day: WEEKDAY_OF_INTL[part('weekday')] ?? 'mon',
    minute: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/** Wall-clock weekday and minute of the day at `at` in `timeZone`. */
export function wallClock(at: Date, timeZone: string): { day: WeekdayName; minute: number } {
  const { day, minute } = zonedClock(at, timeZone);
  return { day, minute };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * Whether `at` falls into the quiet hours. A day's window whose end is before its start runs past midnight
 * into the next morning (Friday 22:00–07:00 covers Saturday 06:59 too).
 */
export function isQuietTime(at: Date, quiet: Partial<QuietHours>, timeZone: string): boolean {
  const { day, minute } = wallClock(at, timeZone);
  const index = WEEKDAYS.indexOf(day);
  const today = quiet[day] ?? null;
  if (today) {
    const start = minutesOf(today.start);
    const end = minutesOf(today.end);
    if (start < end ? minute >= start && minute < end : minute >= start) return true;
  }
  const yesterday = quiet[WEEKDAYS[(index + 6) % 7] ?? 'sun'] ?? null;
  if (yesterday) {
    const start = minutesOf(yesterday.start);
    const end = minutesOf(yesterday.end);
    if (end < start && minute < end) return true;
  }
  return false;
}
