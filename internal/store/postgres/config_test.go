package postgres

import (
	"testing"
	"time"
)

func TestPoolConfig(t *testing.T) {
	tests := []struct {
		name        string
		conn        string
		wantMax     int32
		wantTimeout time.Duration
	}{
		{"defaults", "postgres://hub@db/hub", defaultMaxConns, defaultConnectTimeout},
		{"url settings", "postgres://hub@db/hub?pool_max_conns=3&connect_timeout=2", 3, 2 * time.Second},
		{"key value settings", "host=db user=hub pool_max_conns=20 connect_timeout=5", 20, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := poolConfig(tt.conn)
			if err != nil {
				t.Fatalf("poolConfig: %v", err)
			}
			if cfg.MaxConns != tt.wantMax {
				t.Errorf("MaxConns: got %d, want %d", cfg.MaxConns, tt.wantMax)
			}
			if got := cfg.ConnConfig.ConnectTimeout; got != tt.wantTimeout {
				t.Errorf("ConnectTimeout: got %v, want %v", got, tt.wantTimeout)
			}
			if _, ok := cfg.ConnConfig.RuntimeParams["pool_max_conns"]; ok {
				t.Error("pool_max_conns left in RuntimeParams, where it would be sent to the server")
			}
		})
	}
	if _, err := poolConfig("postgres://db/hub?pool_max_conns=0"); err == nil {
		t.Error("poolConfig with pool_max_conns=0: got nil error, want one")
	}
}
