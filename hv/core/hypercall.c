/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

static bool known_id(uint64_t id)
{
	static const uint64_t ids[] = { HC_GET_API_VERSION,
		                        HC_SERVICE_VM_OFFLINE_CPU,
		                        HC_SET_CALLBACK_VECTOR,
		                        HC_CREATE_VM,
		                        HC_DESTROY_VM,
		                        HC_START_VM,
		                        HC_PAUSE_VM,
		                        HC_RESET_VM };

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

int64_t hypercall_dispatch(struct vcpu *v, uint64_t id, uint64_t p1, uint64_t p2)
{
	(void)p1;
	(void)p2;
	if (!known_id(id))
		return -EINVAL;
	/* Management calls belong to the Service VM; none runs yet in this tree. */
	if (v->vm->cfg->load_order != LOAD_SERVICE)
		return -EPERM;
	return -ENOSYS;
}
