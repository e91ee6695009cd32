import { BadRequestError, ValidationError } from '../shared/errors';
import { parsePageQuery } from '../shared/http/pagination';
import { noContent, ok } from '../shared/http/responses';
import type { ApiRequest, Operation } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import type { DraftRecord } from './draft-repository';
import { draftSummaryView, draftView, type DraftService } from './draft-service';
import { flowVersionView } from './flow-service';
import { actorOf, etag, expectedVersion } from './request-context';
import { createDraftBody, pageQuery, publishDraftBody, updateDraftBody } from './schemas';

const DRAFT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function draftId(request: ApiRequest): string {
  const id = request.pathParameters.draft_id;
  if (id === undefined || !DRAFT_ID.test(id)) throw new ValidationError([{ path: 'draft_id', message: 'must be a draft id (UUID)' }]);
  return id;
}

function withEtag(status: number, record: DraftRecord) {
  return { status, body: draftView(record), headers: { etag: etag(record.version) } };
}

/** Drafts of the visual builder. */
export function draftOperations(drafts: DraftService): Record<string, Operation> {
  return {
    listDrafts: async (request) => {
      parseWith(pageQuery, request.query);
      const page = await drafts.list(actorOf(request).org_id, parsePageQuery(request.query));
      return ok({ items: page.items.map(draftSummaryView), next_cursor: page.next_cursor });
    },

    createDraft: async (request) => withEtag(201, await drafts.create(actorOf(request), parseWith(createDraftBody, request.body ?? {}))),

    getDraft: async (request) => withEtag(200, await drafts.get(actorOf(request).org_id, draftId(request))),

    updateDraft: async (request) => {
      const id = draftId(request);
      const { version, ...input } = parseWith(updateDraftBody, request.body);
      const expected = expectedVersion(request, version);
      if (expected === undefined) {
        throw new BadRequestError('an update must carry the version it is based on: an If-Match header or a version field', 'version_required');
      }
      return withEtag(200, await drafts.update(actorOf(request), id, input, expected));
    },

    deleteDraft: async (request) => {
      await drafts.delete(actorOf(request), draftId(request), expectedVersion(request, undefined));
      return noContent();
    },

    validateDraft: async (request) => ok(await drafts.validate(actorOf(request).org_id, draftId(request))),

    publishDraft: async (request) => {
      const id = draftId(request);
      const body = parseWith(publishDraftBody, request.body);
      const result = await drafts.publish(actorOf(request), id, body.flow_version, expectedVersion(request, undefined));
      return { status: result.created ? 201 : 200, body: flowVersionView(result.flow) };
    },
  };
}
