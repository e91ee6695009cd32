import type { RouteDef } from './types';

// Schedule bodies are small: timing fields and default parameters.
const SCHEDULE_BODY = 64 * 1024;

export const SCHEDULING_ROUTES: RouteDef[] = [
  { method: 'GET', path: '/v1/schedules', domain: 'scheduling', operation: 'listSchedules', permission: 'schedules:read', summary: 'Schedules of the organization (paginated)' },
  { method: 'POST', path: '/v1/schedules', domain: 'scheduling', operation: 'createSchedule', permission: 'schedules:write', summary: 'Create a cron, interval, one_time or manual schedule for a deployment or a flow version', maxBodyBytes: SCHEDULE_BODY },
  { method: 'GET', path: '/v1/schedules/{schedule_id}', domain: 'scheduling', operation: 'getSchedule', permission: 'schedules:read', summary: 'A schedule, with its next and last run times' },
  { method: 'PATCH', path: '/v1/schedules/{schedule_id}', domain: 'scheduling', operation: 'updateSchedule', permission: 'schedules:write', summary: 'Change, enable or disable a schedule (If-Match pins the version)', maxBodyBytes: SCHEDULE_BODY },
  { method: 'DELETE', path: '/v1/schedules/{schedule_id}', domain: 'scheduling', operation: 'deleteSchedule', permission: 'schedules:write', summary: 'Delete a schedule' },
  { method: 'GET', path: '/v1/schedules/{schedule_id}/preview', domain: 'scheduling', operation: 'previewSchedule', permission: 'schedules:read', summary: 'The next N fire times (count, default 10, at most 100), in UTC and in the schedule time zone' },
];
