/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Assert library of the test guests. Every check counts as passed or failed;
 * a failure prints
 *   FAIL <file>:<line>: <expr> (got 0x.., want 0x..)
 * and the run goes on, so one bad value does not hide the others.
 * TEST_END() prints "RESULT <name>: N passed, M failed" and powers the VM off;
 * the board tests match that line.
 *
 * Operands are compared as uint64_t after a C conversion, so compare
 * like-typed values: (int)-22 and 0xffffffea are not equal.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __FILE_NAME__
#define TEST_FILE __FILE_NAME__
#else
#define TEST_FILE __FILE__
#endif

enum test_op {
	TEST_OP_EQ,
	TEST_OP_NE,
	TEST_OP_TRUE,
	TEST_OP_GE,
	TEST_OP_LE,
};

void test_start(const char *name);
bool test_check(enum test_op op, uint64_t got, uint64_t want, const char *file, int line,
                const char *expr);
void test_end(void) __attribute__((noreturn));
/* Print the RESULT line without powering off (the hostile guest needs it). */
void test_report(void);
/* Count a failure that has no value pair (e.g. an unexpected exception). */
void test_fail_msg(const char *file, int line, const char *msg);
unsigned int test_failed_count(void);

#define TEST_START(name) test_start(name)
#define TEST_END()       test_end()

#define EXPECT_EQ(a, b) \
	test_check(TEST_OP_EQ, (uint64_t)(a), (uint64_t)(b), TEST_FILE, __LINE__, #a " == " #b)
#define EXPECT_NE(a, b) \
	test_check(TEST_OP_NE, (uint64_t)(a), (uint64_t)(b), TEST_FILE, __LINE__, #a " != " #b)
#define EXPECT_TRUE(x) test_check(TEST_OP_TRUE, (uint64_t) !!(x), 1, TEST_FILE, __LINE__, #x)
#define EXPECT_GE(a, b) \
	test_check(TEST_OP_GE, (uint64_t)(a), (uint64_t)(b), TEST_FILE, __LINE__, #a " >= " #b)
#define EXPECT_LE(a, b) \
	test_check(TEST_OP_LE, (uint64_t)(a), (uint64_t)(b), TEST_FILE, __LINE__, #a " <= " #b)
#define FAIL_MSG(msg) test_fail_msg(TEST_FILE, __LINE__, msg)

#endif
