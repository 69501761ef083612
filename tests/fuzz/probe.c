/* SPDX-License-Identifier: BSD-3-Clause */
/* Configure-time probe: does clang link libFuzzer with ASan here? */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
