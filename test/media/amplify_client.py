"""
Replays what AMPLIfy's official Python client (`media_store_client.ApiClient`, WHOIGit) sends,
against a running Mediastore, and prints a JSON report on stdout.

The client cannot be installed here, so this script rebuilds its requests the same way: the
request bodies come from pydantic 2 models with the field names, types and defaults of
`amplify-schemas` (`schemas.mediastore`), serialised with `model_dump()`, and are sent by
`requests` with `json=` (so `json.dumps` with its default separators), with the client's
`Authorization: Bearer` header. Like the client, only 200 and 204 count as success.

Usage: amplify_client.py BASE_URL USERNAME PASSWORD S3_URL S3_ACCESS_KEY S3_SECRET_KEY
"""

import base64
import json
import sys
from typing import Dict, List, Optional, Union

import requests
from pydantic import BaseModel


# --- the request models, as amplify-schemas declares them --------------------------------

class S3ConfigSchemaCreate(BaseModel):
    url: str
    access_key: str
    secret_key: str


class StoreConfigSchemaCreate(BaseModel):
    type: str
    bucket: str
    s3_url: Optional[str] = ''


class IdentifierTypeSchema(BaseModel):
    name: str
    pattern: Optional[str] = ''


class MediaSchemaCreate(BaseModel):
    pid: str
    pid_type: str
    store_config: StoreConfigSchemaCreate
    identifiers: Optional[Dict[str, str]] = {}
    metadata: Optional[dict] = {}
    tags: Optional[List[str]] = []


class MediaSchemaUpdate(BaseModel):
    pid: Optional[str] = None
    new_pid: Optional[str] = None
    pid_type: Optional[str] = None
    store_config: Optional[Union[int, StoreConfigSchemaCreate]] = None


class MediaSchemaUpdateTags(BaseModel):
    pid: str
    tags: List[str]


class MediaSchemaUpdateStorekey(BaseModel):
    pid: str
    store_key: str


class MediaSchemaUpdateIdentifiers(BaseModel):
    pid: str
    identifiers: Dict[str, str]


class MediaSchemaUpdateMetadata(BaseModel):
    pid: str
    keys: Optional[List[str]] = []
    data: Optional[Union[dict, list]] = {}


class MediaSearchSchema(BaseModel):
    tags: list[str]


class UploadSchemaInput(BaseModel):
    mediadata: MediaSchemaCreate
    base64: Optional[str] = ''


# --- the client's request path ---------------------------------------------------------

class Failed(Exception):
    pass


class Client:
    """Builds and sends requests as ApiClient.make_request does; records each exchange."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.headers: Dict[str, str] = {}
        self.exchanges: List[dict] = []

    def login(self, username: str, password: str) -> None:
        response = requests.post(f'{self.base_url}/api/login', json={'username': username, 'password': password})
        if response.status_code != 200:
            raise Failed(f'login: {response.status_code}')
        self.headers = {'Authorization': f'Bearer {response.json()["token"]}'}

    def request(self, method: str, path: str, params=None):
        kwargs = {'headers': self.headers}
        if params:
            kwargs['json'] = params
        response = getattr(requests, method)(f'{self.base_url}{path}', **kwargs)
        body = response.request.body
        self.exchanges.append({
            'method': method.upper(),
            'path': path,
            'request_body': body.decode() if isinstance(body, bytes) else body,
            'status': response.status_code,
        })
        if response.status_code == 200:
            return response.json()
        if response.status_code == 204:
            return None
        raise Failed(f'{method.upper()} {path} -> {response.status_code}: {response.content!r}')

    @staticmethod
    def dump(schema, **params) -> dict:
        return schema(**params).model_dump()


def scenario(c: Client, s3_url: str, s3_access: str, s3_secret: str) -> dict:
    out = {}
    out['hello'] = c.request('get', '/api/hello')

    # identifiers: create_identifier / update_identifier send IdentifierTypeSchema; pattern only if given
    out['create_identifier_DEMO'] = c.request('post', '/api/identifier', c.dump(IdentifierTypeSchema, name='DEMO'))
    out['create_identifier_BIN'] = c.request('post', '/api/identifier', c.dump(IdentifierTypeSchema, name='BIN', pattern='bin_.*'))
    c.request('put', '/api/identifier', c.dump(IdentifierTypeSchema, name='BIN', pattern=r'bin_\w+'))
    c.request('post', '/api/identifier', c.dump(IdentifierTypeSchema, name='TEMP'))
    c.request('delete', '/api/identifier/TEMP')
    out['list_identifiers'] = c.request('get', '/api/identifier/list')
    out['get_identifier'] = c.request('get', '/api/identifier/BIN')

    # S3 configs and a BucketStore on them
    s3cfg = c.request('post', '/api/s3cfg', c.dump(S3ConfigSchemaCreate, url=s3_url, access_key=s3_access, secret_key=s3_secret))
    out['create_s3cfg'] = s3cfg
    c.request('put', f'/api/s3cfg/{s3cfg["pk"]}', c.dump(S3ConfigSchemaCreate, url=s3_url, access_key=s3_access, secret_key=s3_secret))
    out['list_s3cfgs'] = c.request('get', '/api/s3cfgs')
    out['get_s3cfg'] = c.request('get', f'/api/s3cfg/{s3cfg["pk"]}')
    bucket_store = c.request('post', '/api/store', c.dump(StoreConfigSchemaCreate, type='BucketStore', bucket='archive', s3_url=s3_url))
    out['create_bucket_store'] = bucket_store

    # create_store without s3_url: model_dump() sends s3_url ''
    fs_store = c.request('post', '/api/store', c.dump(StoreConfigSchemaCreate, type='FilesystemStore', bucket='/demobucket'))
    out['create_fs_store'] = fs_store
    out['list_stores'] = c.request('get', '/api/stores')
    out['get_store'] = c.request('get', f'/api/store/{fs_store["pk"]}')

    # create_single_media: store_config given as a dict becomes StoreConfigSchemaCreate
    fs = {'type': 'FilesystemStore', 'bucket': '/demobucket'}
    out['create_single_media'] = c.request('post', '/api/media', c.dump(
        MediaSchemaCreate, pid='py-1', pid_type='DEMO', store_config=StoreConfigSchemaCreate(**fs),
        identifiers={'BIN': 'bin_0001'}, metadata={'egg': 'nog', 'nested': {'n': 1}}, tags=['one', 'two']))
    # ... and with only the required fields: identifiers/metadata/tags go as {} {} []
    c.request('post', '/api/media', c.dump(MediaSchemaCreate, pid='py-min', pid_type='DEMO', store_config=StoreConfigSchemaCreate(**fs)))
    out['get_single_media'] = c.request('get', '/api/media/py-1')

    # update_single_media: MediaSchemaUpdate with the unset fields as null; store_config as a pk, then as a dict
    c.request('patch', '/api/media/py-min', c.dump(MediaSchemaUpdate, pid='py-min', new_pid='py-renamed'))
    c.request('patch', '/api/media/py-renamed', c.dump(MediaSchemaUpdate, pid='py-renamed', store_config=bucket_store['pk']))
    c.request('patch', '/api/media/py-renamed', c.dump(MediaSchemaUpdate, pid='py-renamed', store_config={'type': 'DictStore', 'bucket': 'ram'}))
    out['after_update_single'] = c.request('get', '/api/media/py-renamed')

    # create_bulk_media / get_bulk_media / update_bulk_media / search_bulk_media
    out['create_bulk_media'] = c.request('post', '/api/media/create', [
        c.dump(MediaSchemaCreate, pid=f'py-bulk-{n}', pid_type='DEMO', store_config=StoreConfigSchemaCreate(**fs), tags=['bulk'])
        for n in (1, 2, 3)
    ])
    out['get_bulk_media'] = c.request('post', '/api/media/read', ['py-bulk-1', 'py-bulk-3', 'missing'])
    out['update_bulk_media'] = c.request('patch', '/api/media/update', {
        'pids': ['py-bulk-1', 'py-bulk-2'],
        'medias': [c.dump(MediaSchemaUpdate, store_config=bucket_store['pk']),
                   c.dump(MediaSchemaUpdate, new_pid='py-bulk-2b')],
    })
    out['search_bulk_media'] = c.request('post', '/api/media/search', c.dump(MediaSearchSchema, tags=['bulk', 'two']))

    # tags, store keys, identifiers, metadata
    out['patch_media_tags'] = c.request('patch', '/api/media/update/tags', [c.dump(MediaSchemaUpdateTags, pid='py-1', tags=['two', 'three'])])
    out['update_media_tags'] = c.request('put', '/api/media/update/tags', [c.dump(MediaSchemaUpdateTags, pid='py-bulk-3', tags=['only'])])
    out['update_media_storekeys'] = c.request('put', '/api/media/update/storekeys', [
        c.dump(MediaSchemaUpdateStorekey, pid='py-bulk-3', store_key='py/bulk/3.bin'),
        c.dump(MediaSchemaUpdateStorekey, pid='missing', store_key='x'),
    ])
    out['update_media_identifiers'] = c.request('put', '/api/media/update/identifiers', [
        c.dump(MediaSchemaUpdateIdentifiers, pid='py-1', identifiers={'BIN': 'bin_0002', 'DEMO': 'py-1'}),
        c.dump(MediaSchemaUpdateIdentifiers, pid='py-bulk-3', identifiers={'BIN': 'not-a-bin'}),
    ])
    out['update_media_metadata'] = c.request('put', '/api/media/update/metadata', [c.dump(MediaSchemaUpdateMetadata, pid='py-1', keys=['nested', 'm'], data={'deep': True})])
    out['patch_media_metadata'] = c.request('patch', '/api/media/update/metadata', [c.dump(MediaSchemaUpdateMetadata, pid='py-1', data={'zip': 'zap'})])
    out['delete_media_metadata'] = c.request('delete', '/api/media/update/metadata', [c.dump(MediaSchemaUpdateMetadata, pid='py-1', keys=['egg'])])
    out['final_py_1'] = c.request('get', '/api/media/py-1')

    # file_handler: upload with base64 and download it back; upload without base64, PUT the bytes
    # to the presigned URL with requests, then download through the presigned GET URL
    content = bytes(range(256)) * 40
    out['upload_base64'] = c.request('post', '/api/upload', c.dump(
        UploadSchemaInput, mediadata=MediaSchemaCreate(pid='py-up', pid_type='DEMO', store_config=StoreConfigSchemaCreate(**fs)),
        base64=base64.b64encode(content).decode('ascii')))
    downloaded = c.request('get', '/api/download/py-up')
    out['download_base64_equal'] = base64.b64decode(downloaded['base64']) == content
    out['download_base64_status'] = downloaded['mediadata']['store_status']
    pending = c.request('post', '/api/upload', c.dump(
        UploadSchemaInput, mediadata=MediaSchemaCreate(pid='py-up-url', pid_type='DEMO', store_config=StoreConfigSchemaCreate(**fs))))
    out['upload_presigned_status'] = pending['status']
    out['presigned_put_status'] = requests.put(pending['presigned_put'], data=content).status_code
    url = c.request('get', '/api/download/url/py-up-url')
    out['presigned_get_equal'] = requests.get(url['presigned_get']).content == content

    # list_media, then the deletes
    out['list_media'] = c.request('get', '/api/media/dump')
    out['delete_bulk_media'] = c.request('post', '/api/media/delete', ['py-bulk-1', 'py-bulk-2b', 'missing'])
    c.request('delete', '/api/media/py-bulk-3')
    try:
        c.request('get', '/api/media/py-bulk-3')
        out['get_deleted'] = 'found'
    except Failed as e:
        out['get_deleted'] = str(e).split(':')[0]
    return out


def main() -> None:
    base_url, username, password, s3_url, s3_access, s3_secret = sys.argv[1:7]
    c = Client(base_url)
    c.login(username, password)
    report = {'exchanges': c.exchanges}
    try:
        report['results'] = scenario(c, s3_url, s3_access, s3_secret)
    except Failed as e:
        report['failed'] = str(e)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
