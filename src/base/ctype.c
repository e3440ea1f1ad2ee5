/*
 * Character class tables for the SIP grammar (RFC 3261 §25.1).
 * Generated once by a script from the ABNF sets named in ctype.h;
 * edit both together.
 */
#include "siphon/ctype.h"

const uint16_t sp_ctype[256] = {
	[0x09] = SP_C_WS | SP_C_LWS,
	[0x0a] = SP_C_LWS,
	[0x0d] = SP_C_LWS,
	[0x20] = SP_C_WS | SP_C_LWS,
	[0x21] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_WORD, /* ! */
	[0x22] = SP_C_WORD, /* " */
	[0x24] = SP_C_USER | SP_C_PARAM | SP_C_HNV | SP_C_PASSWORD | SP_C_RESERVED, /* $ */
	[0x25] = SP_C_TOKEN | SP_C_WORD, /* % */
	[0x26] = SP_C_USER | SP_C_PARAM | SP_C_PASSWORD | SP_C_RESERVED, /* & */
	[0x27] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_WORD,
	[0x28] = SP_C_UNRESERVED | SP_C_WORD, /* ( */
	[0x29] = SP_C_UNRESERVED | SP_C_WORD, /* ) */
	[0x2a] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_WORD,
	[0x2b] = SP_C_TOKEN | SP_C_USER | SP_C_PARAM | SP_C_HNV | SP_C_PASSWORD | SP_C_WORD | SP_C_RESERVED, /* + */
	[0x2c] = SP_C_USER | SP_C_PASSWORD | SP_C_RESERVED, /* , */
	[0x2d] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* - */
	[0x2e] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* . */
	[0x2f] = SP_C_USER | SP_C_PARAM | SP_C_HNV | SP_C_WORD | SP_C_RESERVED,
	[0x30] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 0 */
	[0x31] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 1 */
	[0x32] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 2 */
	[0x33] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 3 */
	[0x34] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 4 */
	[0x35] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 5 */
	[0x36] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 6 */
	[0x37] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 7 */
	[0x38] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 8 */
	[0x39] = SP_C_DIGIT | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* 9 */
	[0x3a] = SP_C_PARAM | SP_C_HNV | SP_C_WORD | SP_C_RESERVED, /* : */
	[0x3b] = SP_C_USER | SP_C_RESERVED, /* ; */
	[0x3c] = SP_C_WORD, /* < */
	[0x3d] = SP_C_USER | SP_C_PASSWORD | SP_C_RESERVED, /* = */
	[0x3e] = SP_C_WORD, /* > */
	[0x3f] = SP_C_USER | SP_C_HNV | SP_C_WORD | SP_C_RESERVED, /* ? */
	[0x40] = SP_C_RESERVED, /* @ */
	[0x41] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* A */
	[0x42] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* B */
	[0x43] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* C */
	[0x44] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* D */
	[0x45] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* E */
	[0x46] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* F */
	[0x47] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* G */
	[0x48] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* H */
	[0x49] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* I */
	[0x4a] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* J */
	[0x4b] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* K */
	[0x4c] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* L */
	[0x4d] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* M */
	[0x4e] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* N */
	[0x4f] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* O */
	[0x50] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* P */
	[0x51] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* Q */
	[0x52] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* R */
	[0x53] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* S */
	[0x54] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* T */
	[0x55] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* U */
	[0x56] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* V */
	[0x57] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* W */
	[0x58] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* X */
	[0x59] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* Y */
	[0x5a] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* Z */
	[0x5b] = SP_C_PARAM | SP_C_HNV | SP_C_WORD, /* [ */
	[0x5c] = SP_C_WORD,
	[0x5d] = SP_C_PARAM | SP_C_HNV | SP_C_WORD, /* ] */
	[0x5f] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_WORD, /* _ */
	[0x60] = SP_C_TOKEN | SP_C_WORD, /* ` */
	[0x61] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* a */
	[0x62] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* b */
	[0x63] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* c */
	[0x64] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* d */
	[0x65] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* e */
	[0x66] = SP_C_ALPHA | SP_C_HEX | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* f */
	[0x67] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* g */
	[0x68] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* h */
	[0x69] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* i */
	[0x6a] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* j */
	[0x6b] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* k */
	[0x6c] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* l */
	[0x6d] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* m */
	[0x6e] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* n */
	[0x6f] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* o */
	[0x70] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* p */
	[0x71] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* q */
	[0x72] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* r */
	[0x73] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* s */
	[0x74] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* t */
	[0x75] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* u */
	[0x76] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* v */
	[0x77] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* w */
	[0x78] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* x */
	[0x79] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* y */
	[0x7a] = SP_C_ALPHA | SP_C_TOKEN | SP_C_UNRESERVED | SP_C_HOST | SP_C_WORD, /* z */
	[0x7b] = SP_C_WORD, /* { */
	[0x7d] = SP_C_WORD, /* } */
	[0x7e] = SP_C_TOKEN | SP_C_UNRESERVED | SP_C_WORD, /* ~ */
	[0x80] = SP_C_UTF8,
	[0x81] = SP_C_UTF8,
	[0x82] = SP_C_UTF8,
	[0x83] = SP_C_UTF8,
	[0x84] = SP_C_UTF8,
	[0x85] = SP_C_UTF8,
	[0x86] = SP_C_UTF8,
	[0x87] = SP_C_UTF8,
	[0x88] = SP_C_UTF8,
	[0x89] = SP_C_UTF8,
	[0x8a] = SP_C_UTF8,
	[0x8b] = SP_C_UTF8,
	[0x8c] = SP_C_UTF8,
	[0x8d] = SP_C_UTF8,
	[0x8e] = SP_C_UTF8,
	[0x8f] = SP_C_UTF8,
	[0x90] = SP_C_UTF8,
	[0x91] = SP_C_UTF8,
	[0x92] = SP_C_UTF8,
	[0x93] = SP_C_UTF8,
	[0x94] = SP_C_UTF8,
	[0x95] = SP_C_UTF8,
	[0x96] = SP_C_UTF8,
	[0x97] = SP_C_UTF8,
	[0x98] = SP_C_UTF8,
	[0x99] = SP_C_UTF8,
	[0x9a] = SP_C_UTF8,
	[0x9b] = SP_C_UTF8,
	[0x9c] = SP_C_UTF8,
	[0x9d] = SP_C_UTF8,
	[0x9e] = SP_C_UTF8,
	[0x9f] = SP_C_UTF8,
	[0xa0] = SP_C_UTF8,
	[0xa1] = SP_C_UTF8,
	[0xa2] = SP_C_UTF8,
	[0xa3] = SP_C_UTF8,
	[0xa4] = SP_C_UTF8,
	[0xa5] = SP_C_UTF8,
	[0xa6] = SP_C_UTF8,
	[0xa7] = SP_C_UTF8,
	[0xa8] = SP_C_UTF8,
	[0xa9] = SP_C_UTF8,
	[0xaa] = SP_C_UTF8,
	[0xab] = SP_C_UTF8,
	[0xac] = SP_C_UTF8,
	[0xad] = SP_C_UTF8,
	[0xae] = SP_C_UTF8,
	[0xaf] = SP_C_UTF8,
	[0xb0] = SP_C_UTF8,
	[0xb1] = SP_C_UTF8,
	[0xb2] = SP_C_UTF8,
	[0xb3] = SP_C_UTF8,
	[0xb4] = SP_C_UTF8,
	[0xb5] = SP_C_UTF8,
	[0xb6] = SP_C_UTF8,
	[0xb7] = SP_C_UTF8,
	[0xb8] = SP_C_UTF8,
	[0xb9] = SP_C_UTF8,
	[0xba] = SP_C_UTF8,
	[0xbb] = SP_C_UTF8,
	[0xbc] = SP_C_UTF8,
	[0xbd] = SP_C_UTF8,
	[0xbe] = SP_C_UTF8,
	[0xbf] = SP_C_UTF8,
	[0xc0] = SP_C_UTF8,
	[0xc1] = SP_C_UTF8,
	[0xc2] = SP_C_UTF8,
	[0xc3] = SP_C_UTF8,
	[0xc4] = SP_C_UTF8,
	[0xc5] = SP_C_UTF8,
	[0xc6] = SP_C_UTF8,
	[0xc7] = SP_C_UTF8,
	[0xc8] = SP_C_UTF8,
	[0xc9] = SP_C_UTF8,
	[0xca] = SP_C_UTF8,
	[0xcb] = SP_C_UTF8,
	[0xcc] = SP_C_UTF8,
	[0xcd] = SP_C_UTF8,
	[0xce] = SP_C_UTF8,
	[0xcf] = SP_C_UTF8,
	[0xd0] = SP_C_UTF8,
	[0xd1] = SP_C_UTF8,
	[0xd2] = SP_C_UTF8,
	[0xd3] = SP_C_UTF8,
	[0xd4] = SP_C_UTF8,
	[0xd5] = SP_C_UTF8,
	[0xd6] = SP_C_UTF8,
	[0xd7] = SP_C_UTF8,
	[0xd8] = SP_C_UTF8,
	[0xd9] = SP_C_UTF8,
	[0xda] = SP_C_UTF8,
	[0xdb] = SP_C_UTF8,
	[0xdc] = SP_C_UTF8,
	[0xdd] = SP_C_UTF8,
	[0xde] = SP_C_UTF8,
	[0xdf] = SP_C_UTF8,
	[0xe0] = SP_C_UTF8,
	[0xe1] = SP_C_UTF8,
	[0xe2] = SP_C_UTF8,
	[0xe3] = SP_C_UTF8,
	[0xe4] = SP_C_UTF8,
	[0xe5] = SP_C_UTF8,
	[0xe6] = SP_C_UTF8,
	[0xe7] = SP_C_UTF8,
	[0xe8] = SP_C_UTF8,
	[0xe9] = SP_C_UTF8,
	[0xea] = SP_C_UTF8,
	[0xeb] = SP_C_UTF8,
	[0xec] = SP_C_UTF8,
	[0xed] = SP_C_UTF8,
	[0xee] = SP_C_UTF8,
	[0xef] = SP_C_UTF8,
	[0xf0] = SP_C_UTF8,
	[0xf1] = SP_C_UTF8,
	[0xf2] = SP_C_UTF8,
	[0xf3] = SP_C_UTF8,
	[0xf4] = SP_C_UTF8,
	[0xf5] = SP_C_UTF8,
	[0xf6] = SP_C_UTF8,
	[0xf7] = SP_C_UTF8,
	[0xf8] = SP_C_UTF8,
	[0xf9] = SP_C_UTF8,
	[0xfa] = SP_C_UTF8,
	[0xfb] = SP_C_UTF8,
	[0xfc] = SP_C_UTF8,
	[0xfd] = SP_C_UTF8,
	[0xfe] = SP_C_UTF8,
	[0xff] = SP_C_UTF8,
};

const unsigned char sp_lower[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};
