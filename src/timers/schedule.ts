import { CronExpressionParser } from 'cron-parser';
import { invalid } from '../errors.js';
import type { ScheduleType } from '../store/schema.js';

/** A timer's schedule as a cron expression (MMS's Daily HH:MM and Hourly MM included). */
export function cronOf(type: ScheduleType, value: string): string {
  if (type === 'Daily') {
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
    if (!m) throw invalid(`value: a Daily timer runs at HH:MM (00:00 to 23:59), not '${value}'`);
    return `${Number(m[2])} ${Number(m[1])} * * *`;
  }
  if (type === 'Hourly') {
    const m = /^([0-5]?\d)$/.exec(value);
    if (!m) throw invalid(`value: an Hourly timer runs at minute MM (00 to 59), not '${value}'`);
    return `${Number(m[1])} * * * *`;
  }
  return value;
}

export function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw invalid(`timezone: '${tz}' is not an IANA time zone (e.g. UTC, Asia/Shanghai)`);
  }
}

/** Validates a schedule; returns its cron expression. */
export function checkSchedule(type: ScheduleType, value: string, tz: string): string {
  checkTimezone(tz);
  const cron = cronOf(type, value);
  try {
    CronExpressionParser.parse(cron, { tz });
  } catch (err) {
    throw invalid(`value: '${value}' is not a cron expression: ${(err as Error).message}`);
  }
  return cron;
}

/** The latest tick of a schedule at or before `now` (epoch ms). */
export function latestTick(cron: string, tz: string, now: number): number {
  const e = CronExpressionParser.parse(cron, { tz, currentDate: new Date(now + 1) });
  return e.prev().getTime();
}

/** The first tick of a schedule after `now` (epoch ms). */
export function nextTick(cron: string, tz: string, now: number): number {
  return CronExpressionParser.parse(cron, { tz, currentDate: new Date(now) }).next().getTime();
}
