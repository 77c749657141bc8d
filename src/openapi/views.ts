/**
 * Views of the one OpenAPI document for Swagger UI: from 150 rows (tags plus operations) on,
 * swagger-ui 5.3x virtualises the operation list and renders only the rows in view, so deep
 * links, find-in-page and browser tests cannot reach most operations. Each view stays well below.
 */
export interface DocumentView {
  /** Served at `/api/openapi/<name>.json`. */
  name: string;
  /** Shown in Swagger UI's top-bar select. */
  title: string;
  includes: (path: string) => boolean;
}

const isTams = (path: string) => path === '/tams' || path.startsWith('/tams/');

/** In the order of the top-bar select; together they hold every path of the document. */
export const documentViews: readonly DocumentView[] = [
  { name: 'api', title: 'Mediastore API', includes: (path) => !isTams(path) },
  { name: 'tams', title: 'TAMS 8.2', includes: isTams },
];

interface Document {
  info: { title: string };
  paths?: Record<string, unknown>;
}

/** The document with only the view's paths; components stay whole, so every $ref resolves. */
export function documentView<D extends Document>(document: D, view: DocumentView): D {
  const paths = Object.fromEntries(Object.entries(document.paths ?? {}).filter(([path]) => view.includes(path)));
  return { ...document, info: { ...document.info, title: `${document.info.title}: ${view.title}` }, paths };
}
