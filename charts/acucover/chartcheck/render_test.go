package chartcheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// wantKinds lists, per values file, how many objects of each kind render with
// the monitoring.coreos.com/v1 API absent. monitoring adds the kinds that appear
// once the API is present. Every ci/*-values.yaml must have an entry.
var wantKinds = map[string]struct {
	base, monitoring map[string]int
}{
	"": {base: map[string]int{
		"policy/v1/PodDisruptionBudget": 1, "v1/ServiceAccount": 1, "v1/ConfigMap": 1,
		"v1/Service": 1, "apps/v1/Deployment": 1, "v1/Pod": 1,
	}},
	"ci/database-values.yaml": {base: map[string]int{
		"networking.k8s.io/v1/NetworkPolicy": 1, "policy/v1/PodDisruptionBudget": 1,
		"v1/ServiceAccount": 1, "v1/ConfigMap": 1, "v1/Service": 1, "apps/v1/Deployment": 1,
		"autoscaling/v2/HorizontalPodAutoscaler": 1, "v1/Pod": 1, "batch/v1/Job": 1,
	}},
	"ci/ingress-values.yaml": {base: map[string]int{
		"policy/v1/PodDisruptionBudget": 1, "v1/ServiceAccount": 1, "v1/ConfigMap": 1,
		"v1/Service": 1, "apps/v1/Deployment": 1, "v1/Pod": 1, "v1/Secret": 2, "batch/v1/Job": 1,
		"networking.k8s.io/v1/Ingress": 1, "gateway.networking.k8s.io/v1/HTTPRoute": 1,
	}},
	"ci/minimal-values.yaml": {base: map[string]int{
		"v1/ConfigMap": 1, "v1/Service": 1, "apps/v1/Deployment": 1, "v1/Pod": 1,
	}},
	"ci/monitoring-values.yaml": {
		base: map[string]int{
			"policy/v1/PodDisruptionBudget": 1, "v1/ServiceAccount": 1,
			"v1/Secret":    2, // the release's DATABASE_URL Secret and the migration hook's copy
			"v1/ConfigMap": 2, "v1/Service": 1, "apps/v1/Deployment": 1, "v1/Pod": 1, "batch/v1/Job": 1,
		},
		monitoring: map[string]int{
			"monitoring.coreos.com/v1/ServiceMonitor": 1, "monitoring.coreos.com/v1/PrometheusRule": 1,
		},
	},
}

func TestRenderedManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []string{""}
	for _, f := range files {
		rel, _ := filepath.Rel(chartDir, f)
		cases = append(cases, rel)
	}
	if got, want := slices.Sorted(slices.Values(cases)), slices.Sorted(maps.Keys(wantKinds)); !slices.Equal(got, want) {
		t.Fatalf("values files %q, but wantKinds covers %q", got, want)
	}
	for _, file := range cases {
		for _, api := range []bool{false, true} {
			name := fmt.Sprintf("%s/monitoringAPI=%v", cmpOr(file, "defaults"), api)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				objs := render(t, file, api)
				want := maps.Clone(wantKinds[file].base)
				if api {
					maps.Copy(want, wantKinds[file].monitoring)
				}
				got := map[string]int{}
				for _, o := range objs {
					got[o.Key]++
				}
				if !maps.Equal(got, want) {
					t.Errorf("rendered kinds mismatch\n want %v\n  got %v", want, got)
				}
				checkInvariants(t, objs)
			})
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// rendered indexes a release's objects for the cross-object checks.
type rendered struct {
	deploy    *appsv1.Deployment
	svc       *corev1.Service
	config    *corev1.ConfigMap
	secrets   map[string]*corev1.Secret
	job       *batchv1.Job
	testPod   *corev1.Pod
	hpa       *autoscalingv2.HorizontalPodAutoscaler
	pdb       *policyv1.PodDisruptionBudget
	netpol    *networkingv1.NetworkPolicy
	sm        *monitoringv1.ServiceMonitor
	rule      *monitoringv1.PrometheusRule
	dashboard *corev1.ConfigMap
}

func index(t *testing.T, objs []Object) rendered {
	t.Helper()
	r := rendered{secrets: map[string]*corev1.Secret{}}
	seen := map[string]bool{}
	for _, o := range objs {
		if id := o.Key + " " + o.Name; seen[id] {
			t.Errorf("%s rendered twice", id)
		} else {
			seen[id] = true
		}
		if got := o.Meta.Labels["app.kubernetes.io/instance"]; got != release {
			t.Errorf("%s %s: app.kubernetes.io/instance = %q, want %q", o.Key, o.Name, got, release)
		}
		switch v := o.Obj.(type) {
		case *appsv1.Deployment:
			r.deploy = v
		case *corev1.Service:
			r.svc = v
		case *corev1.ConfigMap:
			if v.Labels["grafana_dashboard"] != "" {
				r.dashboard = v
			} else {
				r.config = v
			}
		case *corev1.Secret:
			r.secrets[v.Name] = v
		case *batchv1.Job:
			r.job = v
		case *corev1.Pod:
			r.testPod = v
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.hpa = v
		case *policyv1.PodDisruptionBudget:
			r.pdb = v
		case *networkingv1.NetworkPolicy:
			r.netpol = v
		case *monitoringv1.ServiceMonitor:
			r.sm = v
		case *monitoringv1.PrometheusRule:
			r.rule = v
		}
	}
	if r.deploy == nil || r.svc == nil || r.config == nil || r.testPod == nil {
		t.Fatal("every release needs a Deployment, a Service, a ConfigMap and the test Pod")
	}
	return r
}

func selects(t *testing.T, sel *metav1.LabelSelector, lbls map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return !s.Empty() && s.Matches(labels.Set(lbls))
}

func checkInvariants(t *testing.T, objs []Object) {
	r := index(t, objs)
	podLabels := r.deploy.Spec.Template.Labels

	// Selection: the Service, PDB and NetworkPolicy pick the service's pods and
	// nothing else; the migration and test pods stay out of the Service.
	if !selects(t, r.deploy.Spec.Selector, podLabels) {
		t.Error("Deployment selector does not match its pod template")
	}
	svcSel := &metav1.LabelSelector{MatchLabels: r.svc.Spec.Selector}
	if !selects(t, svcSel, podLabels) {
		t.Error("Service selector does not match the pods")
	}
	if selects(t, svcSel, r.testPod.Labels) {
		t.Error("Service selector matches the helm test Pod")
	}
	if r.job != nil && selects(t, svcSel, r.job.Spec.Template.Labels) {
		t.Error("Service selector matches the migration Job's pod")
	}
	if r.pdb != nil && !selects(t, r.pdb.Spec.Selector, podLabels) {
		t.Error("PodDisruptionBudget selector does not match the pods")
	}
	if r.netpol != nil {
		if !selects(t, &r.netpol.Spec.PodSelector, podLabels) {
			t.Error("NetworkPolicy podSelector does not match the pods")
		}
	}

	// Pods: hardening on every pod the chart creates.
	checkPod(t, "Deployment", &r.deploy.Spec.Template.Spec)
	checkPod(t, "test Pod", &r.testPod.Spec)
	if r.job != nil {
		checkPod(t, "migration Job", &r.job.Spec.Template.Spec)
	}

	// The service container.
	spec := r.deploy.Spec.Template.Spec
	c := spec.Containers[0]
	if got := spec.ServiceAccountName; got == "" {
		t.Error("Deployment has no serviceAccountName")
	}
	probe := func(name string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe: want GET %s on port http, got %+v", name, path, p)
		}
	}
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("startup", c.StartupProbe, "/healthz")
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if want := map[string]int32{"http": 8080, "metrics": 9464}; !maps.Equal(ports, want) {
		t.Errorf("container ports = %v, want %v", ports, want)
	}
	for _, p := range r.svc.Spec.Ports {
		if _, ok := ports[p.TargetPort.String()]; !ok {
			t.Errorf("Service port %s targets %q, which the container does not name", p.Name, p.TargetPort.String())
		}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
		t.Error("no memory limit: GOMEMLIMIT would follow the node's memory")
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if f := env["GOMEMLIMIT"].ValueFrom; f == nil || f.ResourceFieldRef == nil ||
		f.ResourceFieldRef.Resource != "limits.memory" || f.ResourceFieldRef.Divisor.String() != "1" {
		t.Errorf("GOMEMLIMIT must come from limits.memory with divisor 1, got %+v", env["GOMEMLIMIT"])
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(r.deploy.Spec.Template.Annotations["checksum/config"]) {
		t.Errorf("checksum/config annotation = %q", r.deploy.Spec.Template.Annotations["checksum/config"])
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != r.config.Name {
		t.Errorf("envFrom must be the ConfigMap %s, got %+v", r.config.Name, c.EnvFrom)
	}

	// No secrets in ConfigMaps.
	for _, cm := range []*corev1.ConfigMap{r.config, r.dashboard} {
		if cm == nil {
			continue
		}
		for k, v := range cm.Data {
			if k == "DATABASE_URL" || regexp.MustCompile(`://[^/\s"]*@`).MatchString(v) {
				t.Errorf("ConfigMap %s key %s holds a credential", cm.Name, k)
			}
		}
	}

	// DATABASE_URL comes from a Secret: one this release renders (and for the
	// hook Job, one that exists before it) or one the operator created.
	checkDatabaseEnv(t, "Deployment", env["DATABASE_URL"], r.secrets, nil)
	if r.job != nil {
		// Migrations run first: the only container, or the init container
		// before the first catalog's import (which must never replace an
		// existing catalog: --if-empty).
		spec := r.job.Spec.Template.Spec
		steps := append(slices.Clone(spec.InitContainers), spec.Containers...)
		if !slices.Equal(steps[0].Args, []string{"migrate", "up"}) {
			t.Errorf("migration Job's first step args = %q", steps[0].Args)
		}
		for _, c := range steps[1:] {
			if len(c.Args) == 0 || c.Args[0] != "import" || !slices.Contains(c.Args, "--if-empty") {
				t.Errorf("migration Job step %s args = %q; want an import --if-empty", c.Name, c.Args)
			}
		}
		if len(steps) > 2 {
			t.Errorf("migration Job has %d steps", len(steps))
		}
		jc := steps[len(steps)-1]
		if got := r.job.Annotations["helm.sh/hook"]; got != "pre-install,pre-upgrade" {
			t.Errorf("migration Job hook = %q", got)
		}
		if !strings.Contains(r.job.Annotations["helm.sh/hook-delete-policy"], "before-hook-creation") {
			t.Error("migration Job lacks hook-delete-policy before-hook-creation")
		}
		var dbEnv corev1.EnvVar
		for _, e := range jc.Env {
			if e.Name == "DATABASE_URL" {
				dbEnv = e
			}
		}
		w, err := strconv.Atoi(r.job.Annotations["helm.sh/hook-weight"])
		if err != nil {
			t.Errorf("migration Job hook-weight: %v", err)
		}
		checkDatabaseEnv(t, "migration Job", dbEnv, r.secrets, &w)
	}
	if _, hasDB := env["DATABASE_URL"]; !hasDB && r.job != nil {
		t.Error("migration Job rendered without a database")
	}

	// helm test calls /readyz through this release's Service.
	var httpPort int32
	for _, p := range r.svc.Spec.Ports {
		if p.Name == "http" {
			httpPort = p.Port
		}
	}
	wantArgs := []string{"healthcheck", "--url", fmt.Sprintf("http://%s:%d/readyz", r.svc.Name, httpPort)}
	if got := r.testPod.Spec.Containers[0].Args; !slices.Equal(got, wantArgs) {
		t.Errorf("test Pod args = %q, want %q", got, wantArgs)
	}
	if r.testPod.Spec.Containers[0].Image != c.Image {
		t.Errorf("test Pod image %q differs from the service image %q", r.testPod.Spec.Containers[0].Image, c.Image)
	}
	if r.testPod.Annotations["helm.sh/hook"] != "test" {
		t.Error("test Pod is not a helm test hook")
	}

	if r.hpa != nil {
		if ref := r.hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != r.deploy.Name {
			t.Errorf("HPA targets %s %s", ref.Kind, ref.Name)
		}
		if r.deploy.Spec.Replicas != nil {
			t.Error("Deployment sets replicas although an HPA owns them")
		}
	}

	if r.sm != nil {
		if !selects(t, &r.sm.Spec.Selector, r.svc.Labels) {
			t.Error("ServiceMonitor selector does not match the Service")
		}
		if len(r.sm.Spec.Endpoints) != 1 || r.sm.Spec.Endpoints[0].Port != "metrics" {
			t.Errorf("ServiceMonitor endpoints = %+v", r.sm.Spec.Endpoints)
		}
		pinned := false
		for _, rc := range r.sm.Spec.Endpoints[0].RelabelConfigs {
			pinned = pinned || (rc.TargetLabel == "job" && rc.Replacement != nil && *rc.Replacement == "acucover")
		}
		if !pinned {
			t.Error(`ServiceMonitor does not pin job="acucover", which the alert rules select`)
		}
	}
	if r.rule != nil {
		var want monitoringv1.PrometheusRuleSpec
		if err := yaml.UnmarshalStrict(readFile(t, filepath.Join(chartDir, "rules", "acucover.rules.yaml")), &want); err != nil {
			t.Fatalf("rules file as a PrometheusRule spec: %v", err)
		}
		if !reflect.DeepEqual(r.rule.Spec, want) {
			t.Error("PrometheusRule spec differs from rules/acucover.rules.yaml")
		}
	}
	if r.dashboard != nil {
		if r.dashboard.Labels["grafana_dashboard"] != "1" {
			t.Error(`dashboard ConfigMap lacks grafana_dashboard: "1"`)
		}
		got := r.dashboard.Data["acucover.json"]
		want := strings.TrimRight(string(readFile(t, filepath.Join(chartDir, "dashboards", "acucover.json"))), "\n")
		if got != want {
			t.Error("dashboard ConfigMap differs from dashboards/acucover.json")
		}
		if !json.Valid([]byte(got)) {
			t.Error("dashboard is not valid JSON")
		}
	}
}

func checkPod(t *testing.T, what string, spec *corev1.PodSpec) {
	t.Helper()
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext %+v", what, psc)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: the service account token is mounted", what)
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != 65532 ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 ||
			sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s container %s: securityContext %+v", what, c.Name, sc)
		}
		if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
			t.Errorf("%s container %s: no memory limit", what, c.Name)
		}
	}
}

// checkDatabaseEnv: an unset DATABASE_URL is fine (embedded catalog). A set one
// must be a secretKeyRef; if the Secret is rendered here it must hold the key,
// and a hook must only use a Secret that is itself an earlier hook.
func checkDatabaseEnv(t *testing.T, what string, e corev1.EnvVar, secrets map[string]*corev1.Secret, hookWeight *int) {
	t.Helper()
	if e.Name == "" {
		return
	}
	if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
		t.Errorf("%s: DATABASE_URL is not a secretKeyRef: %+v", what, e)
		return
	}
	ref := e.ValueFrom.SecretKeyRef
	s, ok := secrets[ref.Name]
	if !ok {
		return // an existing Secret named by database.existingSecret
	}
	if _, ok := s.Data[ref.Key]; !ok {
		t.Errorf("%s: Secret %s has no key %s", what, ref.Name, ref.Key)
	}
	isHook := s.Annotations["helm.sh/hook"] != ""
	if hookWeight != nil {
		w, err := strconv.Atoi(s.Annotations["helm.sh/hook-weight"])
		if !isHook || err != nil || w >= *hookWeight {
			t.Errorf("%s: reads Secret %s, which is not a hook created before it", what, ref.Name)
		}
	}
	if hookWeight == nil && isHook {
		t.Errorf("%s: reads hook Secret %s, which is deleted after the hooks", what, ref.Name)
	}
}

// TestChecksumFollowsConfig: pods roll when the ConfigMap changes, and only then.
func TestChecksumFollowsConfig(t *testing.T) {
	sum := func(set ...string) string {
		for _, o := range render(t, "", false, set...) {
			if d, ok := o.Obj.(*appsv1.Deployment); ok {
				return d.Spec.Template.Annotations["checksum/config"]
			}
		}
		t.Fatal("no Deployment")
		return ""
	}
	base := sum()
	if got := sum("config.logLevel=debug"); got == base {
		t.Error("checksum/config unchanged after a ConfigMap change")
	}
	if got := sum("podAnnotations.a=b"); got != base {
		t.Error("checksum/config changed although the ConfigMap did not")
	}
}
