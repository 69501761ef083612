/* SPDX-License-Identifier: BSD-3-Clause */
/* Does clang link libFuzzer here? (meson probes with this file.) */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
