/* SPDX-License-Identifier: BSD-3-Clause */
/* The platform devices every post-launched VM gets (dm/platform.h). */
#include <dm/platform.h>
#include <dm/vm.h>

#include "hw.h"

int dm_platform_init(struct dm_vm *vm, GError **error)
{
	int ret;

	ret = hw_uart_init(vm, error);
	if (!ret)
		ret = hw_rtc_init(vm, error);
	if (!ret)
		ret = hw_pm_init(vm, error);
	return ret;
}
