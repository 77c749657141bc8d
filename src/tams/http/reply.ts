import type { ReplyWriter } from '../../http/routes.js';

/**
 * Every TAMS response, bodies or not (201, 204, HEAD, errors), carries `Content-Type:
 * application/json` exactly: strict TAMS clients compare it literally, and Express's `res.json`
 * would add `; charset=utf-8` (and `res.send` drops the header on a 204). HEAD gets the headers
 * of the GET, Content-Length included; Node leaves out the body.
 */
export const tamsReply: ReplyWriter = (res, status, body) => {
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  if (body === undefined) {
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
};
