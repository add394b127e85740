// Package chartcheck tests the acucover Helm chart from the outside: it renders
// the chart with the real helm binary, decodes every manifest strictly into the
// upstream Kubernetes and Prometheus Operator Go types, and checks the alert
// rules, their promtool tests, the dashboard and the Dockerfile against the
// contracts they share with the service.
//
// It is its own module so the service's go.mod carries no Kubernetes
// dependencies. Run it with charts/acucover/test.sh (make chart-test).
package chartcheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds maps "apiVersion/Kind" to the Go type a manifest must decode into.
// A manifest of any other kind is an error, so a new template needs an entry.
var kinds = map[string]reflect.Type{
	"v1/ConfigMap":                            reflect.TypeFor[corev1.ConfigMap](),
	"v1/Secret":                               reflect.TypeFor[corev1.Secret](),
	"v1/Service":                              reflect.TypeFor[corev1.Service](),
	"v1/ServiceAccount":                       reflect.TypeFor[corev1.ServiceAccount](),
	"v1/Pod":                                  reflect.TypeFor[corev1.Pod](),
	"apps/v1/Deployment":                      reflect.TypeFor[appsv1.Deployment](),
	"batch/v1/Job":                            reflect.TypeFor[batchv1.Job](),
	"autoscaling/v2/HorizontalPodAutoscaler":  reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](),
	"policy/v1/PodDisruptionBudget":           reflect.TypeFor[policyv1.PodDisruptionBudget](),
	"networking.k8s.io/v1/NetworkPolicy":      reflect.TypeFor[networkingv1.NetworkPolicy](),
	"networking.k8s.io/v1/Ingress":            reflect.TypeFor[networkingv1.Ingress](),
	"gateway.networking.k8s.io/v1/HTTPRoute":  reflect.TypeFor[gatewayv1.HTTPRoute](),
	"monitoring.coreos.com/v1/ServiceMonitor": reflect.TypeFor[monitoringv1.ServiceMonitor](),
	"monitoring.coreos.com/v1/PrometheusRule": reflect.TypeFor[monitoringv1.PrometheusRule](),
}

// Object is one decoded manifest: Obj is a pointer to the registered type.
type Object struct {
	Key  string // "apiVersion/Kind"
	Name string
	Obj  any
	Meta *metav1.ObjectMeta
}

// DecodeStrict splits a multi-document YAML stream and decodes each document
// into its registered type the way the API server's strict field validation
// does: duplicate keys, unknown fields and case-mismatched field names are
// errors. Empty documents (templates that rendered nothing) are skipped.
func DecodeStrict(stream []byte) ([]Object, error) {
	var objs []Object
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w\n%s", i, err, doc)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		var tm metav1.TypeMeta
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
			return nil, fmt.Errorf("document %d: type meta: %w", i, err)
		}
		key := tm.APIVersion + "/" + tm.Kind
		typ, ok := kinds[key]
		if !ok {
			return nil, fmt.Errorf("document %d: no Go type registered for %s", i, key)
		}
		ptr := reflect.New(typ)
		strictErrs, err := sigsjson.UnmarshalStrict(js, ptr.Interface())
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, key, err)
		}
		if len(strictErrs) > 0 {
			return nil, fmt.Errorf("document %d (%s): strict decoding: %w", i, key, errors.Join(strictErrs...))
		}
		meta := ptr.Elem().FieldByName("ObjectMeta").Addr().Interface().(*metav1.ObjectMeta)
		if meta.Name == "" {
			return nil, fmt.Errorf("document %d (%s): no metadata.name", i, key)
		}
		objs = append(objs, Object{Key: key, Name: meta.Name, Obj: ptr.Interface(), Meta: meta})
	}
}
