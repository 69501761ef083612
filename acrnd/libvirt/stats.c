/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CONNECT_GET_ALL_DOMAIN_STATS (344): the state, CPU, balloon and vCPU groups
 * of many domains in one reply, so that virt-manager need not poll each VM.
 */
#include <errno.h>

#include "lv_priv.h"

/* virDomainStatsTypes */
enum {
	STATS_STATE = 1 << 0,
	STATS_CPU_TOTAL = 1 << 1,
	STATS_BALLOON = 1 << 2,
	STATS_VCPU = 1 << 3,
};
#define STATS_SUPPORTED (STATS_STATE | STATS_CPU_TOTAL | STATS_BALLOON | STATS_VCPU)

/* virConnectGetAllDomainStatsFlags: bits 0-7 are LIST_ALL_DOMAINS' filters. */
#define STATS_FILTERS        0xffu
#define STATS_ENFORCE_STATS  (1u << 31)

#define LV_STATS_RECORDS_MAX 262144u /* REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX */

/* The typed parameters of @vm's record for the groups in @stats. */
static unsigned put_params(GByteArray *b, struct acrnd_libvirt *srv, struct acrnd_vm *vm,
                           uint32_t stats)
{
	const struct acrnd_def *d = acrnd_vm_def(vm);
	bool active = acrnd_state_is_active(acrnd_vm_state(vm));
	unsigned n = 0;
	uint64_t ns;

	if (stats & STATS_STATE) {
		int state, reason;

		lv_domain_state(srv, vm, &state, &reason);
		lv_put_param_int(b, "state.state", state);
		lv_put_param_int(b, "state.reason", reason);
		n += 2;
	}
	/*
	 * The guest's CPU time is approximated by acrn-dm's (its vCPU threads run
	 * in the hypervisor, not in that process); omitted without a process.
	 */
	if ((stats & STATS_CPU_TOTAL) && active && lv_cpu_time_ns(acrnd_vm_pid(vm), &ns)) {
		lv_put_param_ullong(b, "cpu.time", ns);
		n++;
	}
	/* No balloon device: the guest always has its whole memory. */
	if (stats & STATS_BALLOON) {
		lv_put_param_ullong(b, "balloon.current", d->memory_mib * 1024);
		lv_put_param_ullong(b, "balloon.maximum", d->memory_mib * 1024);
		n += 2;
	}
	/* No vCPU hot-plug: current and maximum are the definition's count. */
	if (stats & STATS_VCPU) {
		lv_put_param_uint(b, "vcpu.current", d->vcpus);
		lv_put_param_uint(b, "vcpu.maximum", d->vcpus);
		n += 2;
	}
	return n;
}

static void put_record(GByteArray *b, struct acrnd_libvirt *srv, struct acrnd_vm *vm,
                       uint32_t stats)
{
	g_autoptr(GByteArray) params = g_byte_array_new();
	unsigned n = put_params(params, srv, vm, stats);

	lv_put_domain(b, srv, vm);
	lv_put_u32(b, n);
	g_byte_array_append(b, params->data, params->len);
}

/* Decode doms<REMOTE_DOMAIN_LIST_MAX> into the VMs that exist (libvirt skips missing ones). */
static int get_doms(struct acrnd_libvirt *srv, struct lv_in *in, GPtrArray *vms)
{
	uint32_t n;
	int r = lv_get_u32(in, &n);

	if (r)
		return r;
	if (n > LV_DOMAINS_MAX)
		return -EMSGSIZE;
	for (uint32_t i = 0; i < n; i++) {
		g_autofree char *name = NULL;
		uint8_t uuid[LV_UUID_LEN];
		struct acrnd_vm *vm;
		int32_t id;

		r = lv_get_string(in, LV_STRING_MAX, &name);
		if (!r)
			r = lv_get_fixed(in, uuid, sizeof(uuid));
		if (!r)
			r = lv_get_i32(in, &id);
		if (r)
			return r;
		vm = lv_find_uuid(srv, uuid);
		if (vm && !g_ptr_array_find(vms, vm, NULL))
			g_ptr_array_add(vms, vm);
	}
	return 0;
}

int lv_get_all_domain_stats(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GPtrArray) listed = g_ptr_array_new();
	g_autoptr(GPtrArray) vms = NULL;
	g_autoptr(GByteArray) b = g_byte_array_new();
	uint32_t stats, flags, n = 0;
	int r = get_doms(c->srv, in, listed);

	if (!r)
		r = lv_get_u32(in, &stats);
	if (!r)
		r = lv_get_u32(in, &flags);
	if (r)
		return r;
	if ((flags & STATS_ENFORCE_STATS) && (stats & ~STATS_SUPPORTED)) {
		lv_reply_error(c, h, LV_ERR_ARGUMENT_UNSUPPORTED,
		               "Stats types bits 0x%x are not supported by acrnd",
		               stats & ~STATS_SUPPORTED);
		return 0;
	}
	/* 0 asks for every group acrnd knows; unknown ones are skipped unless enforced. */
	stats = stats ? stats & STATS_SUPPORTED : STATS_SUPPORTED;
	vms = listed->len ? g_ptr_array_ref(listed) : acrnd_manager_list(c->srv->mgr);
	lv_put_u32(b, 0); /* the record count, patched below */
	for (guint i = 0; i < vms->len && n < LV_STATS_RECORDS_MAX; i++) {
		if (!lv_list_match(c->srv, vms->pdata[i], flags & STATS_FILTERS))
			continue;
		put_record(b, c->srv, vms->pdata[i], stats);
		n++;
	}
	b->data[0] = n >> 24;
	b->data[1] = n >> 16;
	b->data[2] = n >> 8;
	b->data[3] = n;
	lv_reply(c, h, b);
	return 0;
}
