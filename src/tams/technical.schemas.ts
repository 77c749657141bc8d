import { z } from 'zod';
import { FORMATS } from './common.schemas.js';

/**
 * Technical metadata of flows and profiles (flow-technical.json and the per-format schemas).
 * Objects the spec closes (`essence_parameters`) are strict here; the others keep extra members,
 * as the spec allows them.
 */

const PositiveInt = z.int().positive();
const NonNegativeInt = z.int().nonnegative();

/** `{numerator, denominator}`, both required (aspect ratios). */
const Ratio = z.looseObject({ numerator: PositiveInt, denominator: PositiveInt });
/** `{numerator, denominator?}` (frame rates, segment durations; denominator 1 when absent). */
const Rate = z.looseObject({ numerator: PositiveInt, denominator: PositiveInt.optional() });

/** Codec and container: `type/subtype`. */
export const MediaType = z.string().regex(/^[^\s/]+\/[^\s/]+$/, 'must be a MIME type such as video/mp2t');

export const ContainerMapping = z
  .looseObject({
    track_index: NonNegativeInt.optional(),
    format_track_index: NonNegativeInt.optional(),
    audio_track: z
      .looseObject({
        channel_numbers: z.array(NonNegativeInt).min(1).optional(),
        channel_range: z.string().regex(/^[0-9]+_[0-9]+$/, 'must be first_last, e.g. 0_1').optional(),
      })
      .optional(),
    mp2ts_container: z.looseObject({ pid: z.int().optional() }).optional(),
    mxf_container: z
      .looseObject({
        package_uid: z
          .string()
          .regex(
            /^urn:smpte:umid:[0-9a-fA-F]{8}(.[0-9a-fA-F]{8}){7}$|^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
            'must be a SMPTE UMID URN or a UUID URN',
          )
          .optional(),
        track_id: z.int().optional(),
      })
      .optional(),
    isobmff_container: z.looseObject({ track_id: z.int().optional() }).optional(),
  })
  .meta({ id: 'TamsContainerMapping' });

const technicalCommon = {
  codec: MediaType.optional(),
  container: MediaType.optional(),
  avg_bit_rate: NonNegativeInt.optional().meta({ description: 'kbit/s' }),
  segment_duration: Rate.optional().meta({ description: 'Target segment duration, seconds' }),
  container_mapping: ContainerMapping.optional(),
};

/** The members of a technical description, for telling them apart from common flow fields. */
export const TECHNICAL_FIELDS = ['format', 'essence_parameters', ...Object.keys(technicalCommon)] as const;

const VideoEssence = z
  .strictObject({
    frame_width: PositiveInt,
    frame_height: PositiveInt,
    bit_depth: PositiveInt.optional(),
    interlace_mode: z.enum(['progressive', 'interlaced_tff', 'interlaced_bff', 'interlaced_psf']).optional(),
    colorspace: z.enum(['BT601', 'BT709', 'BT2020', 'BT2100']).optional(),
    transfer_characteristic: z.enum(['SDR', 'HLG', 'PQ']).optional(),
    aspect_ratio: Ratio.optional(),
    pixel_aspect_ratio: Ratio.optional(),
    component_type: z.enum(['YCbCr', 'RGB']).optional(),
    horiz_chroma_subs: PositiveInt.optional(),
    vert_chroma_subs: PositiveInt.optional(),
    unc_parameters: z
      .looseObject({
        unc_type: z.enum(['planar', 'YUYV', 'UYVY', 'AYUV', 'v210', 'v216', 'RGB', 'RGBx', 'xRGB', 'BGRx', 'xBGR', 'RGBA', 'ARGB', 'BGRA', 'ABGR', 'alpha']),
      })
      .optional(),
    avc_parameters: z.looseObject({ profile: z.int(), level: z.int(), flags: z.int() }).optional(),
    frame_rate: Rate.optional(),
    vfr: z.boolean().optional(),
    init_segments: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    // flow-video.json: frame_rate is required unless vfr is true, and forbidden when it is.
    if (v.vfr === true && v.frame_rate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['frame_rate'], message: 'must not be set when vfr is true' });
    }
    if (v.vfr !== true && v.frame_rate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['frame_rate'], message: 'required unless vfr is true' });
    }
  });

const AudioEssence = z.strictObject({
  sample_rate: PositiveInt,
  channels: PositiveInt,
  bit_depth: PositiveInt.optional(),
  codec_parameters: z.looseObject({ coded_frame_size: z.int().optional(), mp4_oti: z.int().optional() }).optional(),
  unc_parameters: z.looseObject({ unc_type: z.enum(['interleaved', 'planar', 'pairs']) }).optional(),
  init_segments: z.boolean().optional(),
});

const ImageEssence = z.strictObject({ frame_width: PositiveInt, frame_height: PositiveInt, aspect_ratio: Ratio.optional() });
const DataEssence = z.strictObject({ data_type: z.string().optional(), init_segments: z.boolean().optional() });
const MultiEssence = z.strictObject({ init_segments: z.boolean().optional() });

export const VideoTechnical = { format: z.literal(FORMATS.video), ...technicalCommon, codec: MediaType, essence_parameters: VideoEssence };
export const AudioTechnical = { format: z.literal(FORMATS.audio), ...technicalCommon, codec: MediaType, essence_parameters: AudioEssence };
export const ImageTechnical = { format: z.literal(FORMATS.image), ...technicalCommon, codec: MediaType, essence_parameters: ImageEssence };
export const DataTechnical = { format: z.literal(FORMATS.data), ...technicalCommon, codec: MediaType, essence_parameters: DataEssence };
export const MultiTechnical = { format: z.literal(FORMATS.multi), ...technicalCommon, essence_parameters: MultiEssence.optional() };

/** A profile's `flow_metadata`: one single-essence technical description (no multi). */
export const ProfileTechnical = z
  .discriminatedUnion('format', [z.object(VideoTechnical), z.object(AudioTechnical), z.object(ImageTechnical), z.object(DataTechnical)])
  .meta({ id: 'TamsProfileFlowMetadata' });
export type Technical = Partial<{ [K in (typeof TECHNICAL_FIELDS)[number]]: unknown }> & { format: string };
