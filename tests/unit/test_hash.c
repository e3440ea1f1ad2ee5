/*
 * Message digests (src/base/md5.c, sha2.c, hash.c) against published
 * vectors: the RFC 1321 §A.5 test suite for MD5, the FIPS 180-4 example
 * messages ("abc", the 448- and 896-bit messages, one million 'a') for
 * SHA-256, SHA-512 and SHA-512/256. Block-boundary lengths (55, 56, 63,
 * 64, 111, 112, 127, 128 ...) use values computed with an independent
 * implementation (Python hashlib) over a fixed byte pattern. Every vector
 * is hashed both in one call and fed in odd-sized pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphon/hash.h"

/* Hex of alg over data, computed with the streaming interface in pieces
 * of `step` bytes (0: in one update). */
static void hash_hex(enum sp_hash_alg alg, const void *data, size_t len, size_t step, char *hex)
{
	struct sp_hash h;
	uint8_t bin[SP_HASH_MAX_LEN];
	const uint8_t *p = data;
	sp_hash_init(&h, alg);
	if (!step) {
		sp_hash_update(&h, p, len);
	} else {
		for (size_t off = 0; off < len; off += step)
			sp_hash_update(&h, p + off, len - off < step ? len - off : step);
	}
	size_t n = sp_hash_final(&h, bin);
	assert_int_equal(n, sp_hash_len(alg));
	sp_hex_lower(hex, bin, n);
	hex[2 * n] = '\0';
}

static void check(enum sp_hash_alg alg, const void *data, size_t len, const char *want)
{
	static const size_t steps[] = { 0, 1, 3, 63, 64, 65, 127, 129 };
	char hex[2 * SP_HASH_MAX_LEN + 1];
	assert_int_equal(strlen(want), 2 * sp_hash_len(alg));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		hash_hex(alg, data, len, steps[i], hex);
		assert_string_equal(hex, want);
	}
}

static void check_str(enum sp_hash_alg alg, const char *s, const char *want)
{
	check(alg, s, strlen(s), want);
}

/* RFC 1321 §A.5. */
static void test_md5_rfc1321(void **state)
{
	(void)state;
	check_str(SP_HASH_MD5, "", "d41d8cd98f00b204e9800998ecf8427e");
	check_str(SP_HASH_MD5, "a", "0cc175b9c0f1b6a831c399e269772661");
	check_str(SP_HASH_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72");
	check_str(SP_HASH_MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0");
	check_str(SP_HASH_MD5, "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
	check_str(SP_HASH_MD5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f");
	check_str(SP_HASH_MD5,
		  "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a");
}

/* FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values"). */
static const char M448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char M896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void test_sha256_fips(void **state)
{
	(void)state;
	check_str(SP_HASH_SHA256, "",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_str(SP_HASH_SHA256, "abc",
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_str(SP_HASH_SHA256, M448,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha512_fips(void **state)
{
	(void)state;
	check_str(SP_HASH_SHA512, "abc",
		  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	check_str(SP_HASH_SHA512, M896,
		  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
	check_str(SP_HASH_SHA512, "",
		  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		  "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

/* SHA-512/256 is not the first half of SHA-512: own IV (FIPS 180-4
 * §5.3.6.2). */
static void test_sha512_256_fips(void **state)
{
	(void)state;
	check_str(SP_HASH_SHA512_256, "abc",
		  "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
	check_str(SP_HASH_SHA512_256, M896,
		  "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a");
	check_str(SP_HASH_SHA512_256, "",
		  "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");
}

/* One million 'a' (FIPS 180-4 examples; RFC 1321 has none, Python's
 * hashlib gives the MD5 value). */
static void test_million_a(void **state)
{
	(void)state;
	size_t n = 1000000;
	char *m = malloc(n);
	assert_non_null(m);
	memset(m, 'a', n);
	char hex[2 * SP_HASH_MAX_LEN + 1];
	hash_hex(SP_HASH_MD5, m, n, 0, hex);
	assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
	hash_hex(SP_HASH_SHA256, m, n, 4097, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	hash_hex(SP_HASH_SHA512, m, n, 0, hex);
	assert_string_equal(hex, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
				 "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
	hash_hex(SP_HASH_SHA512_256, m, n, 333, hex);
	assert_string_equal(hex, "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21");
	free(m);
}

/* Padding edges: byte i of the message is (7i + 3) mod 251. Expected
 * values from Python 3 hashlib. */
static const struct {
	size_t len;
	const char *md5, *sha256, *sha512, *sha512_256;
} edges[] = {
	{ 1, "8666683506aacd900bbd5a74ac4edf68",
	  "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5",
	  "e45bf5817ddf94aa2f7a407071f0eedc6beb98f768b4cd33d1176d44d1563a45"
	  "a5d7212290eb7670c6786b13591aedac86478993895e8b24e612014abaa6ba04",
	  "05b577a248fe933b7c4cdaf4a50e9d61eb8cba9f86c4ad546ac25a0341128ed6" },
	{ 55, "030157be00035d098644cfc70e5deaea",
	  "1deace58c745f3ecadde68a5923f494c3703fa73f0306483ccb898a5826e8d70",
	  "eac5ae9c6b4ff21e87bd0e3ab17784a3916ea556c4b893b0c24843068cea295d"
	  "15ce84fe40b14e1c3610c12b08a82b6e5cf35a2a90f76bfb9baa2ecd6f299dbb",
	  "45a59809792b6d48461ea58696d543339bd9f9dde4d0e419d79c619d4b994d75" },
	{ 56, "8e758df1ec8681fc06daa64253668f13",
	  "06dbe23685750e4d3881ded95047abaf93fa8f9c5d3501dc57c717a72ff1398e",
	  "8b8c39aff78464f48125c952d59a17335db274120c321928993280e3de8ed56b"
	  "a428d66b772bd2c91d4f6ba49b59d26e4c2cfb08890117aab127ab87afbcd73f",
	  "7d6ee5a8c0998d1da2dc529c37967a506a78397c445948144ad990f2e87943e5" },
	{ 57, "7cc4dbe44c422ac3e98466e4ff92bb95",
	  "011f4bced20a249afb834d24b3e4eca31ad5ea2bdd1d8a1a564c2d2410398e69",
	  "80a8a8349885ce18435b0d0132adc6eb4c5d0f8116be6608e954ce9cca259a8c"
	  "04c83198c44f7504dd96d01e250e7580a95e1c6f7b8d3eeac9b54caf328091a5",
	  "3e66f5a37263cacac9fc0e8d37fb47cdb0662f743fc159403a3473ee7cc4f707" },
	{ 63, "4a805576b511a836fefee199fb797ae5",
	  "47fb38b12335c9298d09280515c0666489a189d1554bb0ac1a0740806ce9d8b6",
	  "1955e5263d977825e571a3148f29d53d2d9a305779fdd8de21553a2359e3a149"
	  "e16510d1b504eaf2b60f2283bfc2897b6346cc70749e097376aa124c958f4d32",
	  "34b42cc67aca3d41b9110a41d77ea0399668574b6b664a5aa860d3884a871b82" },
	{ 64, "7a0cbe2eab91195c56eae7f83588d243",
	  "dfa798724b1a8014994f363e5da7474ed26ce3757fb29e07aa47ad5a9352d37b",
	  "1cf8de2670546a69ca5cd3e93399d4a8e35a1fb79d60d10e80239b902cdc1ff9"
	  "554a14bca10a6957747585a56c00127f43e4ad8769ca14be1816420a955f5c13",
	  "20baf9dcb06663ed612d34de2f4b38581e022b9c28cc31753f5d52179edb3311" },
	{ 65, "940b4e909b09d4828b0eebe642613192",
	  "dd2eab5a5507d7717c63ce953d9ac61752c21e664425ad1227054722a0d97f69",
	  "a5f44d94d65acb5c91488425aea78fea461758a15fbe5f291c0c2d0078a016aa"
	  "c424cddfd725566db48dd5a769ab604f95863c5c27e4e87f1598c998a69f83b0",
	  "882fd9d9b91187fdcf72ccd2a7ca98911c9f9e241a486401644349234390cea4" },
	{ 111, "3f17e9ea336d7f96b3f0db1936b91946",
	  "2ea239204423b890039a115a62d44a1b1c37675a784f5c6a9b786e9fca4c4cee",
	  "0ef0e383d1e3b7f1e7477f27d7d62a25b3d637c42b509c96f230889cc05cade8"
	  "7cb595834c2f3cccd4c842221251636e3ef6c8b57ee0656e5352a9e968044ab7",
	  "e3f2571d71820060e7a5653dec302336caec20f66f02c5d2e2d290ae90474f86" },
	{ 112, "96ae39552a91e0215646c5ed47139e3e",
	  "ab7909f0b44839b4f374c4e5974bc1dd7c50eae999602865138f9e3586da29c2",
	  "3b30650ae40d6cf145136a38623ebf064e642157296df6595c6b1a3fac9f5c30"
	  "461bbc698b19fff7192763656ffc619002ce0cf39eb9efdfd9914a81d81fd71f",
	  "673982b3651886f7b8d8b82616fcef070e1c604f5827edeae7611d7703b02fb6" },
	{ 113, "12570b12ad856c05079649e4a9c83e1d",
	  "a6e4d45701eb914359bd05a6d4e54019862393282a6c220158faabc217a327bc",
	  "56e7afeae695f146fa3ed396eb33c4c0c3e7ff88974c9df24b40327d92889628"
	  "508cff2c15b8f327e14c739c2d0e7e9670424a0e600b0e396aa789ca7fb734c3",
	  "3c25bccb7de956b88a22041fd5b9d1b592ef15bf95e3ca4f382650e86b0f94a1" },
	{ 127, "72a9cc53dbae65d0146d626d46f6fb74",
	  "2409a159329f4e770a7d8128130497abb1de01ffb6ad389d97d89ebbeeb7f02c",
	  "07d05c6a64f1c2ebc735334f428871fca7153286d369318b52427074c3d97e97"
	  "af523a00b2dd02e5150ee7f962380cf841bcb566cd4921e0226602986e59aff6",
	  "88299242d8942a00739e1d56c7025862f659652585499b9c21feae945150762a" },
	{ 128, "087b965e51e4b1200ebfd13e9761caa5",
	  "3a9c1e22e20578eebe442238f431befd688bd56698eb7c77d95d3f97d8f58207",
	  "9ac7d9bb8e42c2ce0230fe54f60868dca869afe8c4c02771ae54a7827818e6a8"
	  "840b1fc2efbf2b5163150ed3710318d750c0ac2998b2c628ce4e66cb12cabfff",
	  "f1a85368d8a077085ec04bde237a54f7d37da9b338556733177351db56928826" },
	{ 129, "ed0fec46be329a097e88d7e3a1643f35",
	  "956f5da998f608be52587f28902b608909b661f99a1b300e3d3046b4f69f6fb5",
	  "8e14a5884c493da00130dddf9c0140009e7a4fbfebe9c88416bfae10fee38409"
	  "fa50288087ff2d50e631b0695c95d6bb33a781069487fde48b2fde8d0c4230ab",
	  "20c20a6de5fd94d9e011356d13b2a07fda987d8f32653c222a1a11e0fa29f549" },
	{ 1000, "c90582fbbeb1275142915b85da61ade9",
	  "a9425c416f534025a4e2422bd14adba4ec3d4a68d10c3329be8df612964d2b6e",
	  "585b7a26bf81872d575ee2d071374956d4fa3570e31e244231d14410f824a73a"
	  "64ac870479a54ab425473726b529392e274683daa521d9b89d8b2bf80c0c831f",
	  "410e9b12911757705c6897c0036b75084d320ddad87539aa6ee31d0dd463685c" },
};

static void test_block_edges(void **state)
{
	(void)state;
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)((i * 7 + 3) % 251);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		check(SP_HASH_MD5, buf, edges[i].len, edges[i].md5);
		check(SP_HASH_SHA256, buf, edges[i].len, edges[i].sha256);
		check(SP_HASH_SHA512, buf, edges[i].len, edges[i].sha512);
		check(SP_HASH_SHA512_256, buf, edges[i].len, edges[i].sha512_256);
	}
}

/* The one-shot helpers agree with the streaming interface. */
static void test_one_shot(void **state)
{
	(void)state;
	uint8_t a[SP_SHA512_LEN], b[SP_SHA512_LEN];
	struct sp_hash h;
	const char *m = "The quick brown fox jumps over the lazy dog";
	size_t n = strlen(m);

	sp_md5(m, n, a);
	sp_hash_init(&h, SP_HASH_MD5);
	sp_hash_update(&h, m, n);
	sp_hash_final(&h, b);
	assert_memory_equal(a, b, SP_MD5_LEN);

	sp_sha256(m, n, a);
	sp_hash_init(&h, SP_HASH_SHA256);
	sp_hash_update(&h, m, n);
	sp_hash_final(&h, b);
	assert_memory_equal(a, b, SP_SHA256_LEN);

	sp_sha512(m, n, a);
	sp_hash_init(&h, SP_HASH_SHA512);
	sp_hash_update(&h, m, n);
	sp_hash_final(&h, b);
	assert_memory_equal(a, b, SP_SHA512_LEN);

	sp_sha512_256(m, n, a);
	sp_hash_init(&h, SP_HASH_SHA512_256);
	sp_hash_update(&h, m, n);
	sp_hash_final(&h, b);
	assert_memory_equal(a, b, SP_SHA512_256_LEN);

	/* A NULL pointer with length 0 is a valid empty update. */
	sp_md5(NULL, 0, a);
	char hex[33];
	sp_hex_lower(hex, a, SP_MD5_LEN);
	hex[32] = '\0';
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_hex_lower(void **state)
{
	(void)state;
	const uint8_t bin[] = { 0x00, 0x09, 0x0a, 0xf0, 0xff, 0x5c };
	char hex[12];
	sp_hex_lower(hex, bin, sizeof(bin));
	assert_memory_equal(hex, "00090af0ff5c", 12);
	assert_int_equal(sp_hash_len(SP_HASH_MD5), 16);
	assert_int_equal(sp_hash_len(SP_HASH_SHA256), 32);
	assert_int_equal(sp_hash_len(SP_HASH_SHA512), 64);
	assert_int_equal(sp_hash_len(SP_HASH_SHA512_256), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_rfc1321),  cmocka_unit_test(test_sha256_fips),
		cmocka_unit_test(test_sha512_fips),  cmocka_unit_test(test_sha512_256_fips),
		cmocka_unit_test(test_million_a),    cmocka_unit_test(test_block_edges),
		cmocka_unit_test(test_one_shot),     cmocka_unit_test(test_hex_lower),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
