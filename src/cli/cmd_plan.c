/*
 * cmd_plan.c - `ca2eca plan` (make a plan from a live org) and `ca2eca
 * plan show FILE` (print one for review).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "cli/runcmd.h"
#include "model/plan.h"
#include "stage/planner.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/compat.h"

const char c2e_plan_help[] =
        "usage: ca2eca plan LOGIN-OPTIONS [--app NAME]... [--name TEMPLATE]\n"
        "       [--distribution Local|Packaged] [--jwt-cert FILE]\n"
        "       [--out FILE] [--journal PATH] [--json]\n"
        "       ca2eca plan show FILE [--json]\n"
        "\n"
        "Takes a fresh inventory of the org, maps the selected connected\n"
        "apps (default: every one that can be migrated) onto External\n"
        "Client Apps, resolves their profiles and permission sets against\n"
        "the org (an unknown name is an error), checks their JWT\n"
        "certificates (expired: an error; expiring within 30 days: a\n"
        "warning), and writes a plan: the apps, every step in order, the\n"
        "exact components to create or update, the mapping report, the\n"
        "warnings, the inventory it was made from and its hash, and a hash\n"
        "over the whole plan.  Nothing in the org changes.  Review the\n"
        "plan (plan show), then run 'ca2eca apply FILE'.\n"
        "\n"
        "Options:\n"
        "  --app NAME\n"
        "      Plan this connected app (repeat for more).\n"
        "  --name TEMPLATE\n"
        "      The ECA API names, as for 'ca2eca convert' ({name},\n"
        "      {prefix}, {rest}).  Default: \"{name}\".\n"
        "  --distribution Local|Packaged\n"
        "      Default: Local.\n"
        "  --jwt-cert FILE\n"
        "      Use this PEM certificate (e.g. from 'ca2eca keygen') for the\n"
        "      JWT bearer flow instead of the connected app's.\n"
        "  --out FILE\n"
        "      Where to write the plan.  Default: plans/ORGID-TIME.json.\n"
        "  --journal PATH\n"
        "      The journal that also keeps the inventory snapshot.\n"
        "      Default: ./ca2eca.db.\n"
        "  --json\n"
        "      Print one JSON document; with 'plan show', the plan itself.\n"
        "\n" C2E_ORG_OPTIONS_HELP "\n"
        "Exit status:\n"
        "  0   the plan was written (or shown)\n"
        "  64  the command line is wrong\n"
        "  65  bad input: an app that does not exist or cannot be\n"
        "      migrated, an unknown profile, an expired certificate, an\n"
        "      edited plan file\n"
        "  76  the org or the network failed\n"
        "\n"
        "Examples:\n"
        "  ca2eca plan --auth-file prod.json --app Partner1_ConnectedApp1\n"
        "  ca2eca plan show plans/00D...json\n";

struct plan_args {
	struct c2e_strv apps;
	const char *name;
	const char *distribution;
	const char *jwt_cert;
	const char *out;
};

static int plan_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	struct plan_args *a = ctx;

	switch (c) {
	case 'a':
		return c2e_strv_push(&a->apps, arg, err) < 0 ? -1 : 1;
	case 'n':
		a->name = arg;
		return 1;
	case 'd':
		a->distribution = arg;
		return 1;
	case 'c':
		a->jwt_cert = arg;
		return 1;
	case 'o':
		a->out = arg;
		return 1;
	default:
		return 0;
	}
}

/* --- plan show ------------------------------------------------------------ */

static void show_report(struct c2e_out *o, const struct c2e_json *report)
{
	for (const struct c2e_json *e = report ? report->child : NULL; e;
	     e = e->next) {
		const char *d = c2e_json_get_str(e, "disposition");
		const char *src = c2e_json_get_str(e, "source");
		const char *tgt = c2e_json_get_str(e, "target");
		const char *tv = c2e_json_get_str(e, "targetValue");
		const char *note = c2e_json_get_str(e, "note");

		c2e_out_printf(o, "      %-10s %-36s -> %s%s%s%s%s\n",
		               d ? d : "?", src ? src : "-", tgt ? tgt : "-",
		               tv ? " = " : "", tv ? tv : "",
		               note ? "  # " : "", note ? note : "");
	}
}

static void show_text(struct c2e_out *o, const struct c2e_plan *p,
                      const char *path)
{
	c2e_out_printf(o, "Plan %s\n", path);
	c2e_out_printf(o, "  org        %s (%s)%s%s\n", p->org_id,
	               p->instance_url, p->username ? " as " : "",
	               p->username ? p->username : "");
	c2e_out_printf(o, "  made       %s by ca2eca %s\n", p->created_at,
	               p->tool_version);
	c2e_out_printf(o, "  inventory  %s\n", p->inventory_hash);
	c2e_out_printf(o, "  plan hash  %s\n", p->plan_hash);
	for (size_t i = 0; i < p->n_apps; i++) {
		const struct c2e_plan_app *a = &p->apps[i];

		c2e_out_printf(o, "\n  %s -> ECA %s\n", a->connected_app,
		               a->eca);
		if (a->cert_subject)
			c2e_out_printf(o,
			               "    certificate  %s, expires %s (from "
			               "%s)\n",
			               a->cert_subject, a->cert_expires,
			               a->cert_source ? a->cert_source : "?");
		for (size_t k = 0; k < a->profiles.n; k++)
			c2e_out_printf(o, "    profile      %s (%s)\n",
			               a->profiles.v[k], a->profile_ids.v[k]);
		for (size_t k = 0; k < a->permission_sets.n; k++)
			c2e_out_printf(o, "    perm. set    %s (%s)\n",
			               a->permission_sets.v[k],
			               a->permission_set_ids.v[k]);
		for (size_t k = 0; k < a->ccds.n; k++)
			c2e_out_printf(o, "    channel      %s\n",
			               a->ccds.v[k]);
		for (size_t k = 0; k < a->n_components; k++)
			c2e_out_printf(o, "    %-12s %s %s\n",
			               a->components[k].action,
			               a->components[k].doc->type->name,
			               a->components[k].doc->full_name);
		for (size_t k = 0; k < a->warnings.n; k++)
			c2e_out_printf(o, "    WARNING      %s\n",
			               a->warnings.v[k]);
		c2e_out_printf(o, "    report:\n");
		show_report(o, a->report);
	}
	c2e_out_printf(o, "\n  steps:\n");
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct c2e_plan_step *s = &p->steps[i];

		c2e_out_printf(o, "    %3d  %-17s %s%s%s  (%s)\n", s->seq,
		               s->kind, s->type ? s->type : "",
		               s->type ? " " : "", s->name ? s->name : "",
		               s->app);
	}
	for (size_t i = 0; i < p->warnings.n; i++)
		c2e_out_printf(o, "  WARNING %s\n", p->warnings.v[i]);
}

static int plan_show(struct c2e_out *out, int argc, char **argv,
                     struct c2e_err *err)
{
	struct c2e_buf data = C2E_BUF_INIT;
	struct c2e_plan *p = NULL;
	struct c2e_json *doc = NULL;
	int rc;

	if (argc != 2)
		return c2e_cmd_usage(err, "plan",
		                     "'plan show' takes one plan file");
	rc = c2e_fs_read(argv[1], (size_t)32 << 20, &data, err);
	if (rc == 0)
		rc = c2e_plan_parse(data.buf, data.len, argv[1], &p, err);
	if (rc < 0)
		goto done;
	if (out->json) {
		rc = c2e_json_parse(data.buf, data.len, argv[1], &doc, err);
		if (rc == 0)
			c2e_jsonw_value(c2e_out_result(out), doc);
	} else {
		show_text(out, p, argv[1]);
	}
done:
	c2e_json_free(doc);
	c2e_plan_free(p);
	c2e_buf_release(&data);
	return rc;
}

/* --- plan
 * --------------------------------------------------------------------- */

static int default_path(const struct c2e_plan *p, time_t now, char **out,
                        struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	char stamp[32];
	struct tm tm;

	if (!gmtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		stamp[0] = '\0';
	c2e_buf_addf(&b, "plans/%s-%s.json", p->org_id, stamp);
	return c2e_buf_take(&b, out, err);
}

int cmd_plan(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		C2E_ORG_LONGOPTS,
		C2E_JOURNAL_LONGOPTS,
		{ "app", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "distribution", required_argument, NULL, 'd' },
		{ "jwt-cert", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct plan_args a;
	struct c2e_runopts r;
	struct c2e_plan_opts po;
	struct c2e_org *org = NULL;
	struct c2e_plan *p = NULL;
	struct c2e_journal *j = NULL;
	struct c2e_buf text = C2E_BUF_INIT, snap = C2E_BUF_INIT;
	struct c2e_jsonw w;
	char *path = NULL, *dir = NULL;
	int first, rc;

	if (argc > 1 && !strcmp(argv[1], "show"))
		return plan_show(out, argc - 1, argv + 1, err);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	rc = c2e_cli_getopt("plan", argc, argv, longopts, &r, plan_own, &a,
	                    &first, err);
	if (rc == 0 && first < argc)
		rc = c2e_cmd_usage(err, "plan", "unexpected argument '%s'",
		                   argv[first]);
	if (rc == 0 && a.distribution && strcmp(a.distribution, "Local") &&
	    strcmp(a.distribution, "Packaged"))
		rc = c2e_cmd_usage(err, "plan",
		                   "--distribution is Local or Packaged, not "
		                   "'%s'",
		                   a.distribution);
	if (rc == 0)
		rc = c2e_orgopts_finish(&r.org, "plan", err);
	if (rc == 0)
		rc = c2e_org_open(&r.org, &org, err);
	if (rc < 0)
		goto done;
	memset(&po, 0, sizeof(po));
	po.apps = &a.apps;
	po.name_template = a.name;
	po.distribution = a.distribution;
	po.jwt_cert = a.jwt_cert;
	po.now = time(NULL);
	/* reproducible plans (the example plan's test): a fixed clock */
	if (getenv("SOURCE_DATE_EPOCH")) {
		long t;

		if (c2e_str_to_long(getenv("SOURCE_DATE_EPOCH"), &t) == 0 &&
		    t > 0)
			po.now = (time_t)t;
	}
	rc = c2e_plan_make(org, &po, &p, err);
	if (rc == 0)
		rc = c2e_plan_write(p, &text, err);
	if (rc < 0)
		goto done;
	if (a.out) {
		path = c2e_strdup(a.out);
		rc = path ? C2E_OK : c2e_err_oom(err);
	} else {
		rc = default_path(p, po.now, &path, err);
	}
	if (rc == 0) {
		dir = c2e_path_dir(path);
		rc = dir ? c2e_fs_mkdirs(dir, err) : c2e_err_oom(err);
	}
	if (rc == 0)
		rc = c2e_fs_write_atomic(path, text.buf, text.len, 0644, err);
	/* the journal keeps the snapshot each plan was made from */
	if (rc == 0)
		rc = c2e_cli_journal(&r, &j, err);
	if (rc == 0) {
		c2e_jsonw_init(&w, &snap, false);
		c2e_jsonw_value(&w, p->inventory);
		rc = c2e_jsonw_failed(&w) ?
		             c2e_err_oom(err) :
		             c2e_journal_inventory_put(j, p->org_id,
		                                       p->inventory_hash,
		                                       snap.buf, err);
	}
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < p->n_apps; i++)
		for (size_t k = 0; k < p->apps[i].warnings.n; k++)
			c2e_out_warn(out, "%s", p->apps[i].warnings.v[k]);
	for (size_t i = 0; i < p->warnings.n; i++)
		c2e_out_warn(out, "%s", p->warnings.v[i]);
	if (out->json) {
		struct c2e_jsonw *jw = c2e_out_result(out);

		c2e_jsonw_object_begin(jw);
		c2e_jsonw_kv_string(jw, "plan", path);
		c2e_jsonw_kv_string(jw, "planHash", p->plan_hash);
		c2e_jsonw_kv_string(jw, "inventoryHash", p->inventory_hash);
		c2e_jsonw_kv_string(jw, "orgId", p->org_id);
		c2e_jsonw_key(jw, "apps");
		c2e_jsonw_array_begin(jw);
		for (size_t i = 0; i < p->n_apps; i++)
			c2e_jsonw_string(jw, p->apps[i].connected_app);
		c2e_jsonw_array_end(jw);
		c2e_jsonw_kv_long(jw, "steps", (long long)p->n_steps);
		c2e_jsonw_object_end(jw);
	} else {
		show_text(out, p, path);
		c2e_out_printf(out,
		               "\nWrote %s.  Review it, then run: ca2eca apply "
		               "%s (with the same login options)\n",
		               path, path);
	}
done:
	c2e_buf_release(&text);
	c2e_buf_release(&snap);
	free(path);
	free(dir);
	c2e_journal_close(j);
	c2e_plan_free(p);
	c2e_org_free(org);
	c2e_strv_release(&a.apps);
	return rc;
}
