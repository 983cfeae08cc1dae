#include "cli/runcmd.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "remote/auth.h"
#include "util/str.h"
#include "util/compat.h"

int c2e_cli_getopt(const char *cmd, int argc, char **argv,
                   const struct option *longopts, struct c2e_runopts *r,
                   int (*own)(void *ctx, int c, const char *arg,
                              struct c2e_err *err),
                   void *ctx, int *first_arg_out, struct c2e_err *err)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		bool handled = false;
		int rc;

		if (c == ':')
			return c2e_cmd_usage(err, cmd,
			                     "option '%s' needs a value",
			                     argv[optind - 1]);
		rc = own ? own(ctx, c, optarg, err) : 0;
		if (rc < 0)
			return rc;
		if (rc > 0)
			continue;
		rc = c2e_runopts_handle(r, c, optarg, &handled, cmd, err);
		if (rc < 0)
			return rc;
		if (!handled)
			return c2e_cmd_usage(err, cmd, "unknown option '%s'",
			                     argv[optind - 1]);
	}
	*first_arg_out = optind;
	return C2E_OK;
}

int c2e_cli_journal(const struct c2e_runopts *r, struct c2e_journal **out,
                    struct c2e_err *err)
{
	return c2e_journal_open(r->journal ? r->journal : C2E_JOURNAL_DEFAULT,
	                        out, err);
}

int c2e_cli_run_id(struct c2e_journal *j, const char *arg, const char *org_id,
                   int64_t *out, struct c2e_err *err)
{
	long n;
	int rc;

	if (arg) {
		if (c2e_str_to_long(arg, &n) < 0 || n < 1)
			return c2e_err_set(
			        err, C2E_EUSAGE,
			        "'%s' is not a run number (see 'ca2eca "
			        "status')",
			        arg);
		*out = n;
		return C2E_OK;
	}
	rc = c2e_journal_run_latest(j, org_id, out, err);
	if (rc == C2E_ENOTFOUND)
		return c2e_err_set(err, C2E_ENOTFOUND,
		                   "journal '%s' has no run%s%s: apply a plan "
		                   "first",
		                   c2e_journal_path(j),
		                   org_id ? " for org " : "",
		                   org_id ? org_id : "");
	return rc;
}

int c2e_cli_verify_key(const struct c2e_runopts *r, struct c2e_pkey **out,
                       struct c2e_err *err)
{
	*out = NULL;
	if (!r->verify_key)
		return C2E_OK;
	return c2e_auth_load_key(r->verify_key, r->org.auth.jwt_key_pass_file,
	                         out, err);
}

static void progress(void *ctx, const char *line)
{
	struct c2e_out *out = ctx;

	c2e_out_printf(out, "  %s\n", line);
}

void c2e_cli_migrate_opts(const struct c2e_runopts *r, struct c2e_out *out,
                          const struct c2e_pkey *key,
                          struct c2e_migrate_opts *mo)
{
	memset(mo, 0, sizeof(*mo));
	mo->jwt_key = key;
	mo->verify_user = r->verify_user;
	mo->verify_login_url = r->verify_login_url;
	mo->audience = r->org.auth.audience;
	mo->ccd_manual = r->ccd_manual;
	mo->verify_window = r->verify_window;
	mo->progress.say = progress;
	mo->progress.ctx = out;
}

void c2e_cli_outcome(struct c2e_out *out, const struct c2e_migrate_result *res)
{
	struct c2e_jsonw *w = c2e_out_result(out);

	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_long(w, "run", res->run_id);
		c2e_jsonw_kv_string(w, "state", c2e_run_state_name(res->state));
		c2e_jsonw_kv_long(w, "steps", (long long)res->steps_total);
		c2e_jsonw_kv_long(w, "stepsDone", (long long)res->steps_done);
		c2e_jsonw_key(w, "apps");
		c2e_jsonw_array_begin(w);
		for (size_t i = 0; i < res->n_apps; i++) {
			const struct c2e_app_outcome *o = &res->apps[i];

			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_string(w, "connectedApp", o->app);
			c2e_jsonw_kv_string(w, "eca", o->eca);
			c2e_jsonw_kv_string(w, "consumerKey", o->consumer_key);
			c2e_jsonw_kv_string(w, "oauthLink", o->oauth_link);
			c2e_jsonw_kv_string(w, "verification", o->verified);
			c2e_jsonw_key(w, "channelDefinitionsRepointed");
			c2e_jsonw_array_begin(w);
			for (size_t k = 0; k < o->ccds_done.n; k++)
				c2e_jsonw_string(w, o->ccds_done.v[k]);
			c2e_jsonw_array_end(w);
			c2e_jsonw_key(w, "setupSteps");
			c2e_jsonw_array_begin(w);
			for (size_t k = 0; k < o->manual_steps.n; k++)
				c2e_jsonw_string(w, o->manual_steps.v[k]);
			c2e_jsonw_array_end(w);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_object_end(w);
		return;
	}
	c2e_out_printf(out, "\nrun %lld: %s, %zu of %zu steps done\n",
	               (long long)res->run_id, c2e_run_state_name(res->state),
	               res->steps_done, res->steps_total);
	for (size_t i = 0; i < res->n_apps; i++) {
		const struct c2e_app_outcome *o = &res->apps[i];

		c2e_out_printf(out, "  %s -> ECA %s\n", o->app, o->eca);
		if (o->consumer_key)
			c2e_out_printf(out,
			               "    consumer key   %s  (give it to the "
			               "integration: it replaces the connected "
			               "app's)\n",
			               o->consumer_key);
		c2e_out_printf(out, "    verification   %s\n", o->verified);
		for (size_t k = 0; k < o->ccds_done.n; k++)
			c2e_out_printf(out,
			               "    channel        %s points at %s\n",
			               o->ccds_done.v[k], o->eca);
		for (size_t k = 0; k < o->manual_steps.n; k++)
			c2e_out_printf(out, "    to do          %s\n",
			               o->manual_steps.v[k]);
	}
}
