package widget_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/httpapi"
)

func TestDbg(t *testing.T) {
	ix, _ := catalog.Default()
	srv := httptest.NewServer(httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix)}))
	defer srv.Close()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(findChromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/widget/")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	js := `(async () => { const r = document.querySelector('#demo').shadowRoot; const s = r.querySelector('select[id$="-state"]'); s.value='CA'; s.dispatchEvent(new Event('change'));
	 await new Promise(ok => setTimeout(ok, 1500)); const el = document.querySelector('#demo'); el.setAttribute('plan','medicare-part-b'); await new Promise(ok => setTimeout(ok, 500));
	 const c = r.querySelector('select[id$="-cond"]'); c.value='chronic_low_back_pain'; c.dispatchEvent(new Event('change')); await new Promise(ok => setTimeout(ok, 3000)); return r.querySelector('.box').innerText.slice(-900); })()`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	t.Logf("out=%s err=%v", out, err)
}
